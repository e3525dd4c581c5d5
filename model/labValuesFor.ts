/**
 * From a lab's validated config and the values only known after provisioning to LabValues.
 * The Pulumi program (inside an apply) and the local lab both build LabValues here.
 */
import type { LabConfig } from "./labConfig";
import type { LabValues } from "./labValues";
import { envSecretName } from "./names";

export interface ProvisionedValues {
  readonly trackingUri: string;
  readonly researcherPassword: string;
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

export function labValuesFor(config: LabConfig<unknown>, provisioned: ProvisionedValues): LabValues {
  const direct = provisioned.directArtifacts;
  return {
    lab: config.lab,
    trackingUri: provisioned.trackingUri,
    // One shared account per lab: its username is the lab's name.
    tracking: { username: config.lab, password: provisioned.researcherPassword },
    ...(provisioned.caCertPem !== undefined ? { tls: { caCertPem: provisioned.caCertPem } } : {}),
    ...(config.experimentName !== undefined ? { experimentName: config.experimentName } : {}),
    artifacts:
      config.artifacts.mode === "direct" && direct
        ? { mode: "direct", ...direct }
        : { mode: "proxied", ...(config.artifacts.multipartUpload ? {} : { multipartUpload: false }) },
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
