/** Run:ai workloads (Jobs, Pods, and the Job template mlflow-lab publishes): scheduler, limits, no literal credentials. */
import * as yaml from "js-yaml";
import { BUNDLE_FILES, RUNAI_NAMESPACE_PREFIX, RUNAI_SCHEDULER } from "../../model/names";
import type { PolicyResource, ResourceRule } from "./types";

interface Container {
  name?: string;
  env?: { name?: string; value?: unknown; valueFrom?: unknown }[];
  resources?: { limits?: Record<string, unknown> };
}
interface PodSpec {
  schedulerName?: string;
  containers?: Container[];
  initContainers?: Container[];
}
interface Workload {
  label: string;
  namespace?: string;
  spec?: PodSpec;
}

const JOB = "kubernetes:batch/v1:Job";
const POD = "kubernetes:core/v1:Pod";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

/** Jobs and Pods, including the Job template mlflow-lab publishes in a ConfigMap. */
function workloads(resource: PolicyResource): Workload[] {
  const metadata = resource.props.metadata as { namespace?: string } | undefined;
  if (resource.type === JOB) {
    const spec = resource.props.spec as { template?: { spec?: PodSpec } } | undefined;
    return [{ label: resource.name, namespace: metadata?.namespace, spec: spec?.template?.spec }];
  }
  if (resource.type === POD) return [{ label: resource.name, namespace: metadata?.namespace, spec: resource.props.spec as PodSpec }];
  const template = (resource.props.data as Record<string, unknown> | undefined)?.[BUNDLE_FILES.jobTemplate];
  if (resource.type === CONFIG_MAP && typeof template === "string") {
    const job = yaml.load(template) as { metadata?: { namespace?: string }; spec?: { template?: { spec?: PodSpec } } } | undefined;
    return [{ label: `${resource.name} (${BUNDLE_FILES.jobTemplate})`, namespace: job?.metadata?.namespace, spec: job?.spec?.template?.spec }];
  }
  return [];
}

const inRunai = (workload: Workload) => workload.namespace?.startsWith(RUNAI_NAMESPACE_PREFIX) ?? false;

/** Every container of the Run:ai workloads of a resource, each with a label for messages. */
function runaiContainers(resource: PolicyResource): { where: string; container: Container }[] {
  return workloads(resource)
    .filter(inRunai)
    .flatMap((workload) =>
      [...(workload.spec?.containers ?? []), ...(workload.spec?.initContainers ?? [])].map((container) => ({
        where: `${workload.label}: container ${container.name ?? "?"}`,
        container,
      })),
    );
}

export const runaiSchedulerRequired: ResourceRule = {
  name: "runai-scheduler-required",
  description: "Jobs and Pods in runai-* namespaces are scheduled by runai-scheduler.",
  enforcementLevel: "mandatory",
  check(resource) {
    return workloads(resource)
      .filter(inRunai)
      .filter((workload) => workload.spec?.schedulerName !== RUNAI_SCHEDULER)
      .map((workload) => `${workload.label}: in ${workload.namespace} but schedulerName is ${JSON.stringify(workload.spec?.schedulerName ?? null)}; set it to ${RUNAI_SCHEDULER}.`);
  },
};

export const runaiLimitsRequired: ResourceRule = {
  name: "runai-cpu-memory-limits-required",
  description: "Every container of a Job or Pod in a runai-* namespace has CPU and memory limits.",
  enforcementLevel: "mandatory",
  check(resource) {
    return runaiContainers(resource).flatMap(({ where, container }) =>
      ["cpu", "memory"]
        .filter((kind) => container.resources?.limits?.[kind] === undefined)
        .map((kind) => `${where} has no ${kind} limit; set resources.limits.${kind}.`),
    );
  },
};

const CREDENTIAL_NAME = /SECRET|PASSWORD|TOKEN|^AWS_ACCESS_KEY_ID$/i;

export const noLiteralCredentials: ResourceRule = {
  name: "no-literal-credentials-in-env",
  description: "Credential variables of Run:ai workloads come from a Secret, never a literal value.",
  enforcementLevel: "mandatory",
  check(resource) {
    return runaiContainers(resource).flatMap(({ where, container }) =>
      (container.env ?? [])
        .filter((variable) => CREDENTIAL_NAME.test(variable.name ?? "") && variable.value !== undefined)
        .map((variable) => `${where} sets ${variable.name} as a literal; take it from a Secret (valueFrom.secretKeyRef or envFrom).`),
    );
  },
};
