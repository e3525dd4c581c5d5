/**
 * The mlflow-lab invariants as small pure rules: a resource (type, name, props) in, violation
 * messages out. policy/index.ts wraps them in a CrossGuard PolicyPack; tests call them directly.
 */
import * as yaml from "js-yaml";
import { isVersionAtLeast, MLFLOW_MINIMUM_VERSION } from "../model/versions";

export interface PolicyResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
}

export interface ResourceRule {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: "mandatory" | "advisory";
  check(resource: PolicyResource): string[];
}

export interface StackRule {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: "mandatory" | "advisory";
  check(resources: readonly PolicyResource[]): string[];
}

const SECURITY_GROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule";
const WORLD = new Set(["0.0.0.0/0", "::/0"]);
const DATABASE_PORTS = [5432, 3306];

interface IngressRule {
  remoteIpPrefix?: string;
  portRangeMin?: number;
  portRangeMax?: number;
}

function ingress(resource: PolicyResource): IngressRule | undefined {
  if (resource.type !== SECURITY_GROUP_RULE || resource.props.direction !== "ingress") return undefined;
  return resource.props;
}

/** OpenStack reads an absent or 0 bound as "every port". */
function portRange(rule: IngressRule): [number, number] {
  const min = rule.portRangeMin ?? 0;
  const max = rule.portRangeMax ?? 0;
  return min === 0 && max === 0 ? [1, 65535] : [min, max];
}

export const noWorldIngressExceptHttps: ResourceRule = {
  name: "no-world-ingress-except-https",
  description: "Security groups open nothing but 443 to 0.0.0.0/0 or ::/0.",
  enforcementLevel: "mandatory",
  check(resource) {
    const rule = ingress(resource);
    if (!rule || rule.remoteIpPrefix === undefined || !WORLD.has(rule.remoteIpPrefix)) return [];
    const [min, max] = portRange(rule);
    return min === 443 && max === 443
      ? []
      : [`${resource.name}: ingress from ${rule.remoteIpPrefix} on ports ${min}-${max}; only 443 may be open to the world. Restrict remoteIpPrefix to the lab's CIDRs.`];
  },
};

export const noAllPortsIngress: ResourceRule = {
  name: "no-all-ports-ingress",
  description: "Security group rules name their ports: a 0-0 (or absent) range opens every port.",
  enforcementLevel: "mandatory",
  check(resource) {
    const rule = ingress(resource);
    if (!rule) return [];
    return (rule.portRangeMin ?? 0) === 0 && (rule.portRangeMax ?? 0) === 0
      ? [`${resource.name}: ingress without a port range opens every port; set portRangeMin and portRangeMax.`]
      : [];
  },
};

export const noDatabaseIngress: ResourceRule = {
  name: "no-database-port-ingress",
  description: "Postgres (5432) and MySQL (3306) are never reachable from a CIDR.",
  enforcementLevel: "mandatory",
  check(resource) {
    const rule = ingress(resource);
    if (!rule || rule.remoteIpPrefix === undefined) return [];
    const [min, max] = portRange(rule);
    const exposed = DATABASE_PORTS.filter((port) => port >= min && port <= max);
    return exposed.map((port) => `${resource.name}: ingress from ${rule.remoteIpPrefix} reaches database port ${port}; the database stays on loopback or a private network.`);
  },
};

// --- Run:ai workloads --------------------------------------------------------------------

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
const JOB_TEMPLATE_KEY = "kubernetes_job_template.yaml";

/** Jobs and Pods, including the Job template mlflow-lab publishes in a ConfigMap. */
function workloads(resource: PolicyResource): Workload[] {
  const metadata = resource.props.metadata as { namespace?: string } | undefined;
  if (resource.type === JOB) {
    const spec = resource.props.spec as { template?: { spec?: PodSpec } } | undefined;
    return [{ label: resource.name, namespace: metadata?.namespace, spec: spec?.template?.spec }];
  }
  if (resource.type === POD) return [{ label: resource.name, namespace: metadata?.namespace, spec: resource.props.spec as PodSpec }];
  const template = (resource.props.data as Record<string, unknown> | undefined)?.[JOB_TEMPLATE_KEY];
  if (resource.type === CONFIG_MAP && typeof template === "string") {
    const job = yaml.load(template) as { metadata?: { namespace?: string }; spec?: { template?: { spec?: PodSpec } } } | undefined;
    return [{ label: `${resource.name} (${JOB_TEMPLATE_KEY})`, namespace: job?.metadata?.namespace, spec: job?.spec?.template?.spec }];
  }
  return [];
}

const inRunai = (workload: Workload) => workload.namespace?.startsWith("runai-") ?? false;

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
      .filter((workload) => workload.spec?.schedulerName !== "runai-scheduler")
      .map((workload) => `${workload.label}: in ${workload.namespace} but schedulerName is ${JSON.stringify(workload.spec?.schedulerName ?? null)}; set it to runai-scheduler.`);
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

// --- Buckets ------------------------------------------------------------------------------

const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);

function hasPublicStatement(policy: unknown): boolean {
  const document = (typeof policy === "string" ? (JSON.parse(policy) as unknown) : policy) as { Statement?: unknown } | undefined;
  const statements = ([] as unknown[]).concat(document?.Statement ?? []) as { Effect?: string; Principal?: unknown }[];
  return statements.some((statement) => {
    if (statement.Effect !== "Allow") return false;
    const principal = statement.Principal;
    if (principal === "*") return true;
    const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
    return aws === "*" || (Array.isArray(aws) && aws.includes("*"));
  });
}

export const noPublicBucket: ResourceRule = {
  name: "no-public-bucket",
  description: "No bucket has a public ACL or a policy that allows everyone.",
  enforcementLevel: "mandatory",
  check(resource) {
    const violations: string[] = [];
    const acl = resource.props.acl;
    if ((resource.type === "aws:s3/bucket:Bucket" || resource.type.startsWith("aws:s3/bucketAcl")) && typeof acl === "string" && PUBLIC_ACLS.has(acl)) {
      violations.push(`${resource.name}: ACL ${acl} makes the bucket public; remove it (buckets are private by default).`);
    }
    const policy = resource.props.policy;
    if ((resource.type === "aws:s3/bucket:Bucket" || resource.type === "aws:s3/bucketPolicy:BucketPolicy") && policy !== undefined && hasPublicStatement(policy)) {
      violations.push(`${resource.name}: the bucket policy allows Principal "*"; grant named principals only.`);
    }
    if (resource.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
      for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
        if (resource.props[flag] === false) violations.push(`${resource.name}: ${flag} is false; keep every public-access block on.`);
      }
    }
    return violations;
  },
};

// --- The server's cloud-init ----------------------------------------------------------------

const INSTANCE = "openstack:compute/instance:Instance";

export const cloudInitPinsSafeMlflow: ResourceRule = {
  name: "cloud-init-pins-safe-mlflow",
  description: `The tracking server's user-data pins MLflow at ${MLFLOW_MINIMUM_VERSION} or later and turns job execution off.`,
  enforcementLevel: "mandatory",
  check(resource) {
    const userData = resource.props.userData;
    if (resource.type !== INSTANCE || typeof userData !== "string" || !userData.includes("mlflow")) return [];
    const violations: string[] = [];
    const pinned = /MLFLOW_VERSION='([^']+)'|mlflow(?:\[[a-z,]+\])?==([0-9][^\s"']*)/.exec(userData);
    const version = pinned?.[1] ?? pinned?.[2];
    if (version === undefined) {
      violations.push(`${resource.name}: user-data installs MLflow without pinning a version; pin ${MLFLOW_MINIMUM_VERSION} or later.`);
    } else if (!isVersionAtLeast(version, MLFLOW_MINIMUM_VERSION)) {
      violations.push(`${resource.name}: user-data pins MLflow ${version}, below ${MLFLOW_MINIMUM_VERSION} (public CVEs); raise mlflowVersion.`);
    }
    // MLflow 3.x runs jobs unless told not to.
    if (!/MLFLOW_SERVER_ENABLE_JOB_EXECUTION='?false'?/.test(userData)) {
      violations.push(`${resource.name}: user-data does not set MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false; the tracking server must not execute jobs.`);
    }
    return violations;
  },
};

// --- Stack -------------------------------------------------------------------------------

export const backupsConfigured: StackRule = {
  name: "backups-configured",
  description: "A lab keeps backups of its tracking database (advisory until the operations work lands).",
  enforcementLevel: "advisory",
  check(resources) {
    const holdsData = resources.some((r) => r.type === "openstack:blockstorage/volume:Volume" || r.type === "postgresql:index/database:Database");
    const backedUp = resources.some((r) => /backup|snapshot/i.test(r.type));
    return holdsData && !backedUp ? ["this lab has no backup of its tracking database configured; runs are lost with the volume or the server."] : [];
  },
};

export const RESOURCE_RULES: readonly ResourceRule[] = [
  noWorldIngressExceptHttps,
  noAllPortsIngress,
  noDatabaseIngress,
  runaiSchedulerRequired,
  runaiLimitsRequired,
  noLiteralCredentials,
  noPublicBucket,
  cloudInitPinsSafeMlflow,
];
export const STACK_RULES: readonly StackRule[] = [backupsConfigured];
