/**
 * Every stack config key of a lab, with its type, secrecy, description and an example for the
 * fix hint. Pulumi.yaml declares the same keys (a test keeps the two equal).
 */
export type ConfigKeyType = "string" | "integer" | "boolean" | "array";

export interface ConfigKeySpec {
  readonly type: ConfigKeyType;
  readonly description: string;
  /** Shown in the fix hint of an error: `pulumi config set KEY EXAMPLE`. */
  readonly example: string;
  readonly secret?: boolean;
}

export const CONFIG_NAMESPACE = "mlflow-lab";

export const CONFIG_KEYS = {
  lab: { type: "string", example: "ocean-lab", description: "Lab name, a DNS-1123 label of at most 40 characters; names every resource." },
  openstackProjectId: { type: "string", example: "0123456789abcdef0123456789abcdef", description: "OpenStack project (tenant) ID that owns the EC2 credentials and the bucket. One project per lab." },
  serverImage: { type: "string", example: "Ubuntu-24.04-Noble-x64-2024-06", description: "Glance image name of the tracking server VM (Ubuntu 24.04 or Debian 12)." },
  serverFlavor: { type: "string", example: "p4-6gb", description: "Nova flavor of the tracking server VM." },
  networkName: { type: "string", example: "def-ocean-network", description: "Project network the server's port is attached to." },
  externalNetworkName: { type: "string", example: "Public-Network", description: "External network for the floating IP. Default: Public-Network (Arbutus)." },
  keyPairName: { type: "string", example: "ocean-admin", description: "Existing Nova key pair for SSH by the admin." },
  adminCidr: { type: "string", example: "198.51.100.7/32", description: "CIDR allowed to SSH (port 22) to the server." },
  labCidrs: { type: "array", example: '\'["203.0.113.0/24"]\'', description: "CIDRs allowed to reach the tracking server on 443." },
  dataVolumeSizeGiB: { type: "integer", example: "50", description: "Size of the Cinder volume holding Postgres data (survives a VM rebuild). Default: 50." },
  hostname: { type: "string", example: "mlflow.ocean-lab.example.org", description: "DNS name researchers use for the tracking server; also MLflow's --allowed-hosts." },
  tlsMode: { type: "string", example: "lab-ca", description: "lab-ca (default: a CA generated in the stack, shipped in the bundle), institution (certificate you provide) or acme-dns (Let's Encrypt DNS-01)." },
  tlsCertificate: { type: "string", example: "\"$(cat fullchain.pem)\"", description: "tlsMode=institution: PEM certificate chain of the hostname." },
  tlsPrivateKey: { type: "string", secret: true, example: "--secret \"$(cat privkey.pem)\"", description: "tlsMode=institution: PEM private key of tlsCertificate." },
  acmeEmail: { type: "string", example: "admin@example.org", description: "tlsMode=acme-dns: account e-mail for Let's Encrypt." },
  acmeDnsPlugin: { type: "string", example: "rfc2136", description: "tlsMode=acme-dns: certbot DNS plugin (Debian package python3-certbot-dns-<plugin>)." },
  acmeDnsCredentials: { type: "string", secret: true, example: "--secret \"$(cat rfc2136.ini)\"", description: "tlsMode=acme-dns: the plugin's credentials ini." },
  databaseMode: { type: "string", example: "vm", description: "vm (default: Postgres on the server's data volume) or existing (a Postgres server you run)." },
  databaseHost: { type: "string", example: "pg.example.org", description: "databaseMode=existing: Postgres host." },
  databasePort: { type: "integer", example: "5432", description: "databaseMode=existing: Postgres port. Default: 5432." },
  databaseAdminUsername: { type: "string", example: "postgres", description: "databaseMode=existing: role allowed to create roles and databases." },
  databaseAdminPassword: { type: "string", secret: true, example: "--secret", description: "databaseMode=existing: password of databaseAdminUsername." },
  databaseSslMode: { type: "string", example: "require", description: "databaseMode=existing: libpq sslmode (require, verify-ca, verify-full). Default: require." },
  s3EndpointUrl: { type: "string", example: "https://object-arbutus.cloud.computecanada.ca", description: "S3 endpoint of the OpenStack object store (Ceph RGW)." },
  s3Region: { type: "string", example: "us-east-1", description: "S3 region name the object store expects. Default: us-east-1." },
  bucketName: { type: "string", example: "mlflow-ocean-lab", description: "Artifact bucket. Default: mlflow-<lab>." },
  bucketMode: { type: "string", example: "create", description: "create (default) or adopt (the bucket exists already and is not managed)." },
  artifactMode: { type: "string", example: "proxied", description: "proxied (default: artifacts through the server, researchers hold no bucket keys) or direct." },
  artifactMultipartUpload: { type: "boolean", example: "false", description: "proxied mode: artifacts from 100 MiB up go in parallel parts to presigned URLs of the object store, which researchers must then reach. Default: true." },
  mlflowVersion: { type: "string", example: "3.17.2", description: "MLflow version installed on the server, at least 3.11.0. Default: the pinned version." },
  experimentName: { type: "string", example: "ocean-currents", description: "Default MLFLOW_EXPERIMENT_NAME for researchers. Default: unset." },
  runaiProject: { type: "string", example: "ocean", description: "Run:ai project; the namespace is runai-<project>. Default: the lab name." },
  runaiKubeContext: { type: "string", example: "runai-cluster", description: "kubeconfig context of the Run:ai cluster. Default: the current context." },
  runaiNamespaceMode: { type: "string", example: "adopt", description: "adopt (default: Run:ai created runai-<project>) or create." },
  runaiImageRepository: { type: "string", example: "registry.example.org/ocean/mlflow", description: "Image repository for --build-image (the kubernetes backend's repository-uri)." },
  runaiResearchers: { type: "array", example: '\'["alice","bob"]\'', description: "Kubernetes user names allowed to create Jobs in the namespace. Default: none." },
  runaiGpus: { type: "string", example: "1", description: "GPUs per job: a whole number, or a fraction below 1 (e.g. 0.5) for a shared GPU. Default: 1." },
  runaiCpu: { type: "string", example: "4", description: "CPU request and limit per job (Kubernetes quantity). Default: 4." },
  runaiMemory: { type: "string", example: "16Gi", description: "Memory request and limit per job (Kubernetes quantity). Default: 16Gi." },
  runaiInteractive: { type: "boolean", example: "false", description: "true labels jobs as interactive (priorityClassName: build). Default: false (training)." },
  slurmJobName: { type: "string", example: "ocean-mlflow", description: "Slurm job name. Default: mlflow-<lab>." },
  slurmPartition: { type: "string", example: "gpu", description: "Slurm partition. Default: shared (the plugin's)." },
  slurmNodes: { type: "integer", example: "1", description: "Nodes per job. Default: 1." },
  slurmNtasksPerNode: { type: "integer", example: "1", description: "Tasks per node. Default: 1." },
  slurmCpusPerTask: { type: "integer", example: "4", description: "CPUs per task. Default: 1." },
  slurmMem: { type: "string", example: "8G", description: "Memory per node. Default: 4G (the plugin's 1gb is too small to train)." },
  slurmTime: { type: "string", example: "02:00:00", description: "Wall time. Default: 01:00:00 (the plugin's 5 minutes is too short to train)." },
  slurmGpus: { type: "integer", example: "1", description: "GPUs per job. Default: none." },
  slurmModules: { type: "array", example: '\'["StdEnv/2023","python/3.12"]\'', description: "Modules loaded before the job (module load <name>). Default: none." },
  slurmEnvironment: { type: "array", example: '\'["OMP_NUM_THREADS=8"]\'', description: "Extra NAME=value variables exported in the job. Default: none." },
  slurmDebug: { type: "boolean", example: "false", description: "Keep the job's temporary work directory. Default: false." },
  offlineSqliteDbPath: { type: "string", example: "/scratch/ocean/mlflow.db", description: "Offline HPC: absolute path of the sqlite store on compute nodes. Set with offlineArtifactsPath." },
  offlineArtifactsPath: { type: "string", example: "/scratch/ocean/artifacts", description: "Offline HPC: absolute path of the local artifact folder. Set with offlineSqliteDbPath." },
} as const satisfies Record<string, ConfigKeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** The command that fixes a bad key, shown in its error. */
export function fixHint(key: ConfigKey): string {
  const spec: ConfigKeySpec = CONFIG_KEYS[key];
  return `pulumi config set ${key} ${spec.example}`;
}
