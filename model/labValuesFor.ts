/**
 * From a lab's validated config and the values only known after provisioning to LabValues.
 * The Pulumi program (inside an apply) and the local lab both build LabValues here.
 */
import type { LabValues } from "./labValues";
import type { LabConfig } from "../config/schema";

export interface ProvisionedValues {
  readonly trackingUri: string;
  readonly researcherPassword: string;
  /** The lab CA certificate, when the lab generated one. */
  readonly caCertPem?: string;
  /** The bucket and researchers' keys, in direct artifact mode only. */
  readonly directArtifacts?: { readonly bucket: string; readonly accessKeyId: string; readonly secretAccessKey: string };
}

export function envSecretName(lab: string): string {
  return `mlflow-${lab}-env`;
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
      config.objectStore.artifactMode === "direct" && direct
        ? { mode: "direct", s3EndpointUrl: config.objectStore.s3EndpointUrl, region: config.objectStore.region, ...direct }
        : { mode: "proxied", ...(config.objectStore.multipartUpload ? {} : { multipartUpload: false }) },
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
