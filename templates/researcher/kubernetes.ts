/**
 * The Run:ai Job template and the backend config for `mlflow run --backend kubernetes`
 * (CONTRACTS §1-2). MLflow overwrites only metadata.name and container 0's name, image and
 * command, then appends its variables to container 0's env; everything else here reaches the
 * cluster as written.
 */
import * as yaml from "js-yaml";
import type { LabValues } from "../../model/labValues";
import { MANAGED_BY_LABEL, RUNAI_SCHEDULER, runaiNamespace } from "../../model/names";

/** Where a pod finds the lab CA certificate, mounted from the ConfigMap below. */
export const POD_CA_DIRECTORY = "/etc/mlflow-lab";
export const POD_CA_CERT_PATH = `${POD_CA_DIRECTORY}/ca.pem`;
export const CA_CONFIGMAP_KEY = "ca.pem";
const FINISHED_JOB_TTL_SECONDS = 7 * 24 * 3600;

export function caConfigMapName(values: LabValues): string {
  return `${values.runai.envSecretName}-ca`;
}

/** Labels Run:ai reads: the queue, and `priorityClassName: build` for interactive jobs only. */
export function runaiLabels(values: LabValues): Record<string, string> {
  return {
    ...MANAGED_BY_LABEL,
    "mlflow-lab/lab": values.lab,
    "runai/queue": values.runai.project,
    ...(values.runai.interactive ? { priorityClassName: "build" } : {}),
  };
}

/** GPU request: a whole count is a resource limit; a fraction is an annotation and no limit. */
function gpuRequest(gpus: number): { limits: Record<string, number>; annotations: Record<string, string> } {
  if (gpus === 0) return { limits: {}, annotations: {} };
  if (gpus < 1) return { limits: {}, annotations: { "gpu-fraction": String(gpus) } };
  return { limits: { "nvidia.com/gpu": gpus }, annotations: {} };
}

/** The Job template as data; `renderJobTemplate` serializes it. */
export function jobTemplate(values: LabValues): Record<string, unknown> {
  const { runai } = values;
  const labels = runaiLabels(values);
  const gpu = gpuRequest(runai.gpus);
  const shipsCa = values.tls?.caCertPem !== undefined;
  const container: Record<string, unknown> = {
    // MLflow replaces name, image and command; env is left absent for MLflow to create.
    name: "mlflow-project",
    image: runai.repositoryUri,
    envFrom: [{ secretRef: { name: runai.envSecretName } }],
    resources: {
      requests: { cpu: runai.cpu, memory: runai.memory },
      limits: { cpu: runai.cpu, memory: runai.memory, ...gpu.limits },
    },
    ...(shipsCa ? { volumeMounts: [{ name: "mlflow-lab-ca", mountPath: POD_CA_DIRECTORY, readOnly: true }] } : {}),
  };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: values.lab, namespace: runaiNamespace(runai.project), labels },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: FINISHED_JOB_TTL_SECONDS,
      template: {
        metadata: {
          labels,
          ...(Object.keys(gpu.annotations).length > 0 ? { annotations: gpu.annotations } : {}),
        },
        spec: {
          schedulerName: RUNAI_SCHEDULER,
          restartPolicy: "Never",
          containers: [container],
          ...(shipsCa
            ? { volumes: [{ name: "mlflow-lab-ca", configMap: { name: caConfigMapName(values), items: [{ key: CA_CONFIGMAP_KEY, path: "ca.pem" }] } }] }
            : {}),
        },
      },
    },
  };
}

export function renderJobTemplate(values: LabValues): string {
  return yaml.dump(jobTemplate(values), { noRefs: true, lineWidth: -1, quotingType: '"' });
}

/**
 * @param jobTemplatePath absolute: MLflow checks the raw string against the directory where
 *   `mlflow run` starts, which is the researcher's project, not the bundle.
 */
export function renderKubernetesConfig(values: LabValues, jobTemplatePath: string): string {
  const config = {
    ...(values.runai.kubeContext !== undefined ? { "kube-context": values.runai.kubeContext } : {}),
    "kube-job-template-path": jobTemplatePath,
    "repository-uri": values.runai.repositoryUri,
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
