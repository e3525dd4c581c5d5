/**
 * From a lab's validated config and the values only known after provisioning to LabValues.
 * The Pulumi program (inside an apply) and the local lab both build LabValues here.
 */
import type { LabConfig } from "./labConfig";
import type { LabValues } from "./labValues";
import { envSecretName, jobAccountName } from "./names";

export interface ProvisionedValues {
  readonly trackingUri: string;
  readonly researcherPassword: string;
  /** Each member's generated password, by username. */
  readonly memberPasswords: Readonly<Record<string, string>>;
  /** The lab CA certificate, when the lab generated one. */
  readonly caCertPem?: string;
  /** Where researchers reach the bucket and with which keys, in direct artifact mode only. */
  readonly directArtifacts?: {
    readonly s3EndpointUrl: string;
    readonly region: string;
    readonly bucket: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
  };
}

function memberPassword(provisioned: ProvisionedValues, username: string): string {
  const password = provisioned.memberPasswords[username];
  if (password === undefined) throw new Error(`no password was generated for member ${username}`);
  return password;
}

/**
 * Parts go from the researcher's machine straight to the object store, at URLs the server signs.
 * An object store with a private CA would refuse them there: the bundle carries the lab's CA,
 * not the object store's, so such a lab keeps every upload on the server.
 */
function uploadsInParts(config: LabConfig<unknown>): boolean {
  const privateObjectStoreCa = config.server.hosting === "vm" && config.server.objectStore.caCertPem !== undefined;
  return config.artifacts.multipartUpload && !privateObjectStoreCa;
}

export function labValuesFor(config: LabConfig<unknown>, provisioned: ProvisionedValues): LabValues {
  const direct = provisioned.directArtifacts;
  return {
    lab: config.lab,
    trackingUri: provisioned.trackingUri,
    // The lab-wide job account; members' own logins follow.
    tracking: { username: jobAccountName(config.lab), password: provisioned.researcherPassword },
    ...(config.members.length > 0 ? { members: config.members.map((username) => ({ username, password: memberPassword(provisioned, username) })) } : {}),
    ...(provisioned.caCertPem !== undefined ? { tls: { caCertPem: provisioned.caCertPem } } : {}),
    ...(config.experimentName !== undefined ? { experimentName: config.experimentName } : {}),
    artifacts:
      config.artifacts.mode === "direct" && direct
        ? { mode: "direct", ...direct }
        : { mode: "proxied", ...(uploadsInParts(config) ? {} : { multipartUpload: false }) },
    runai: {
      project: config.runai.project,
      ...(config.runai.kubeContext !== undefined ? { kubeContext: config.runai.kubeContext } : {}),
      repositoryUri: config.runai.repositoryUri,
      envSecretName: envSecretName(config.lab),
      gpus: config.runai.gpus,
      cpu: config.runai.cpu,
      memory: config.runai.memory,
      interactive: config.runai.interactive,
    },
    slurm: { ...config.slurm, modules: [...config.slurm.modules], extraEnvironment: { ...config.slurm.extraEnvironment } },
    ...(config.offline ? { offline: { ...config.offline } } : {}),
  };
}
