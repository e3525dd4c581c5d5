/**
 * Every name mlflow-lab derives from a lab, a project or a role, defined once and imported
 * wherever the name appears (component, renderer, local lab, policy, tests).
 */

/** The lab's default bucket, Slurm job name and the stem of its Kubernetes objects. */
export function labResourceName(lab: string): string {
  return `mlflow-${lab}`;
}

/** The Kubernetes Secret that carries a lab's MLflow environment into Run:ai jobs. */
export function envSecretName(lab: string): string {
  return `${labResourceName(lab)}-env`;
}

export const RUNAI_NAMESPACE_PREFIX = "runai-";

/** Run:ai creates one namespace per project, named runai-<project>. */
export function runaiNamespace(project: string): string {
  return `${RUNAI_NAMESPACE_PREFIX}${project}`;
}

export const RUNAI_SCHEDULER = "runai-scheduler";

/** The label every Kubernetes object mlflow-lab makes carries. */
export const MANAGED_BY_LABEL = { "app.kubernetes.io/managed-by": "mlflow-lab" } as const;

export interface LabDatabaseNames {
  readonly role: string;
  readonly tracking: string;
  readonly auth: string;
}

/**
 * The role and databases of a lab, alike on the VM, on an existing server and in the local lab.
 * Postgres identifiers cannot hold '-': ocean-lab becomes mlflow_ocean_lab.
 */
export function labDatabaseNames(lab: string): LabDatabaseNames {
  const role = labResourceName(lab).replaceAll("-", "_");
  return { role, tracking: role, auth: `${role}_auth` };
}

/** The basic-auth app's admin account, on the VM and in the local lab. */
export const ADMIN_USERNAME = "admin";

/** The lab-wide job account (Run:ai pods, shared jobs): its username is the lab's name. */
export function jobAccountName(lab: string): string {
  return lab;
}

/** The MLflow role that lets the job account edit every experiment, whoever created it. */
export const JOB_ROLE = { name: "lab-jobs", description: "Jobs of the lab: edit every experiment" } as const;

/** Where a member's bundle goes, under the lab's bundle folder. */
export function memberBundleDir(labBundleDir: string, member: string): string {
  return `${labBundleDir}/members/${member}`;
}

/** The AWS profile of a lab's bucket keys: named, so a researcher's other profiles stay as they are. */
export function awsProfileName(lab: string): string {
  return `mlflow-${lab}`;
}

/** Files of the researcher bundle that other files or tools name. */
export const BUNDLE_FILES = {
  env: "mlflow_env.sh",
  offlineEnv: "mlflow_env.offline.sh",
  kubernetesConfig: "kubernetes_config.json",
  jobTemplate: "kubernetes_job_template.yaml",
  mltfConfig: "mltf_config.json",
  mlflowCredentials: "mlflow_credentials",
  awsCredentials: "aws_credentials",
  installCredentials: "install_credentials.sh",
  caCert: "lab-ca.pem",
  readme: "README.md",
} as const;
