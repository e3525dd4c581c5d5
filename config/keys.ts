/**
 * Every stack config key of a lab, once: its type, what it is for, the shape of its value, its
 * default and why, an example, whether it holds a credential, and which choice it belongs to.
 * The validation (schema.ts), Pulumi.yaml's config block (projectFile.ts), the fix hints and the
 * checks of stacks/Pulumi.example.yaml all derive from this table.
 */
import { z } from "zod";
import * as fields from "../model/fields";
import { MLFLOW_MINIMUM_VERSION, MLFLOW_VERSION, isVersionAtLeast } from "../model/versions";
import { boolean, cidr, email, integer, jsonList, oneOf, pattern, PATTERNS } from "./shapes";
import { slurmAssignment } from "./slurmEnvironment";

export type ConfigKeyType = "string" | "integer" | "boolean" | "array";
export const HOSTINGS = ["vm", "local"] as const;
export type Hosting = (typeof HOSTINGS)[number];

export interface ConfigKeySpec {
  readonly type: ConfigKeyType;
  readonly description: string;
  /** Checks the text Pulumi hands over (lists as JSON) and gives the typed value. */
  readonly shape: z.ZodType<unknown, string>;
  /** Set in every stack: the CLI itself demands it. */
  readonly required?: true;
  /** Belongs to one choice of a mode key: required under it when `required`, refused under another. */
  readonly when?: { readonly key: string; readonly is: string; readonly required: boolean };
  /** Declared in Pulumi.yaml and used when the key is not set. Keys without one are optional. */
  readonly default?: string | number | boolean | readonly string[];
  /** Why the default is what it is. */
  readonly defaultReason?: string;
  /** A valid value: fix hints and the example stack use it. */
  readonly example: string | readonly string[];
  /** A file the value is read from (PEM, ini): the fix hint pipes it in on standard input. */
  readonly exampleFile?: string;
  /** A credential: stored encrypted (`--secret`), never shown. */
  readonly secret?: true;
  /**
   * What a new value does to the server VM: replaced (a new VM runs cloud-init and adopts the
   * data volume) or changed in place. Absent: the server is untouched. Measured by a test.
   */
  readonly server?: "replaced" | "changed in place";
}

/** SSH comes from an admin's address, a bastion or an institution's VPN range; /16 is the widest such range. */
export const ADMIN_CIDR_WIDEST = { 4: 16, 6: 48 } as const;

const vm = { key: "hosting", is: "vm", required: true } as const;
const vmOptional = { key: "hosting", is: "vm", required: false } as const;
const institution = { key: "tlsMode", is: "institution", required: true } as const;
const acmeDns = { key: "tlsMode", is: "acme-dns", required: true } as const;
const existingDatabase = { key: "databaseMode", is: "existing", required: true } as const;
const existingDatabaseOptional = { key: "databaseMode", is: "existing", required: false } as const;

export const CONFIG_KEYS = {
  lab: { type: "string", server: "replaced", required: true, shape: fields.dnsLabel(40), example: "ocean-lab", description: "Lab name, a DNS-1123 label of at most 40 characters; names every resource." },
  hosting: {
    type: "string", server: "replaced", shape: oneOf(HOSTINGS), default: "vm", defaultReason: "an OpenStack VM built by cloud-init", example: "vm",
    description: "Where the tracking server runs: vm (an OpenStack VM built by cloud-init) or local (the embedded lab `mlflow-lab local up` runs on this machine; pulumi up deploys nothing).",
  },
  openstackProjectId: { type: "string", server: "replaced", when: vm, shape: pattern(PATTERNS.openstackProjectId, "must be an OpenStack project ID (openstack project show -f value -c id)"), example: "0123456789abcdef0123456789abcdef", description: "OpenStack project (tenant) ID that owns the EC2 credentials and the bucket. One project per lab." },
  serverImage: { type: "string", server: "replaced", when: vm, shape: fields.openstackName(), example: "Debian-12-Bookworm-x64-2024-06", description: "Glance image name of the tracking server VM (Debian 12 or Ubuntu 24.04)." },
  serverFlavor: { type: "string", server: "changed in place", when: vm, shape: fields.openstackName(), example: "p4-6gb", description: "Nova flavor of the tracking server VM." },
  networkName: { type: "string", server: "replaced", when: vm, shape: fields.openstackName(), example: "def-ocean-network", description: "Project network the server's port is attached to." },
  externalNetworkName: { type: "string", server: "changed in place", when: vmOptional, shape: fields.openstackName(), default: "Public-Network", defaultReason: "Arbutus' external network", example: "Public-Network", description: "External network for the floating IP." },
  keyPairName: { type: "string", server: "replaced", when: vm, shape: fields.openstackName(), example: "ocean-admin", description: "Existing Nova key pair for SSH by the admin." },
  adminCidr: { type: "string", server: "changed in place", when: vm, shape: cidr({ widestPrefix: ADMIN_CIDR_WIDEST }), example: "198.51.100.7/32", description: "CIDR allowed to SSH (port 22) to the server: at most /16 (IPv4) or /48 (IPv6), never the whole internet." },
  labCidrs: { type: "array", server: "changed in place", when: vm, shape: jsonList(cidr(), 50).pipe(z.array(z.string()).min(1, { error: "must list at least one CIDR" })), example: ["203.0.113.0/24"], description: "CIDRs allowed to reach the tracking server on 443." },
  dataVolumeSizeGiB: { type: "integer", server: "changed in place", when: vmOptional, shape: integer(1, 16384), default: 50, defaultReason: "years of metrics of a busy lab fit in a few GiB; room to grow", example: "50", description: "Size of the Cinder volume holding Postgres data (survives a VM rebuild)." },
  hostname: { type: "string", server: "replaced", when: vm, shape: fields.hostname(), example: "mlflow.ocean-lab.example.org", description: "DNS name researchers use for the tracking server; also MLflow's --allowed-hosts." },
  tlsMode: {
    type: "string", server: "replaced", when: vmOptional, shape: oneOf(["lab-ca", "institution", "acme-dns"]), default: "lab-ca", defaultReason: "443 is closed to the internet, so ACME HTTP-01 cannot validate", example: "lab-ca",
    description: "lab-ca (a CA generated in the stack, shipped in the bundle), institution (a certificate you provide) or acme-dns (Let's Encrypt DNS-01).",
  },
  tlsCertificate: { type: "string", server: "replaced", when: institution, shape: pattern(PATTERNS.pemCertificate, "must be a PEM certificate chain"), example: "fullchain.pem", exampleFile: "fullchain.pem", description: "tlsMode=institution: PEM certificate chain of the hostname." },
  tlsPrivateKey: { type: "string", server: "replaced", when: institution, secret: true, shape: z.string(), example: "privkey.pem", exampleFile: "privkey.pem", description: "tlsMode=institution: PEM private key of tlsCertificate." },
  acmeEmail: { type: "string", server: "replaced", when: acmeDns, shape: email(), example: "admin@example.org", description: "tlsMode=acme-dns: account e-mail for Let's Encrypt." },
  acmeDnsPlugin: { type: "string", server: "replaced", when: acmeDns, shape: pattern(PATTERNS.certbotPlugin, "must be a certbot DNS plugin name such as rfc2136 or cloudflare"), example: "rfc2136", description: "tlsMode=acme-dns: certbot DNS plugin (Debian package python3-certbot-dns-<plugin>)." },
  acmeDnsCredentials: { type: "string", server: "replaced", when: acmeDns, secret: true, shape: z.string(), example: "rfc2136.ini", exampleFile: "rfc2136.ini", description: "tlsMode=acme-dns: the plugin's credentials ini." },
  databaseMode: { type: "string", server: "replaced", when: vmOptional, shape: oneOf(["vm", "existing"]), default: "vm", defaultReason: "Postgres on the server's own data volume", example: "vm", description: "vm (Postgres on the server's data volume) or existing (a Postgres server you run)." },
  databaseHost: { type: "string", server: "replaced", when: existingDatabase, shape: pattern(PATTERNS.databaseHost, "must be a host name or IP address"), example: "pg.example.org", description: "databaseMode=existing: Postgres host." },
  databasePort: { type: "integer", server: "replaced", when: existingDatabaseOptional, shape: integer(1, 65535), default: 5432, defaultReason: "Postgres' port", example: "5432", description: "databaseMode=existing: Postgres port." },
  databaseAdminUsername: { type: "string", when: existingDatabase, shape: pattern(PATTERNS.postgresRole, "must be a Postgres role name"), example: "postgres", description: "databaseMode=existing: role allowed to create roles and databases." },
  databaseAdminPassword: { type: "string", when: existingDatabase, secret: true, shape: z.string(), example: "", description: "databaseMode=existing: password of databaseAdminUsername." },
  databaseSslMode: { type: "string", server: "replaced", when: existingDatabaseOptional, shape: oneOf(["require", "verify-ca", "verify-full"]), default: "require", defaultReason: "never plain text to a remote server", example: "require", description: "databaseMode=existing: libpq sslmode (require, verify-ca, verify-full)." },
  s3EndpointUrl: { type: "string", server: "replaced", when: vm, shape: fields.httpUrl(), example: "https://object-arbutus.cloud.computecanada.ca", description: "S3 endpoint of the OpenStack object store (Ceph RGW)." },
  s3Region: { type: "string", server: "replaced", when: vmOptional, shape: fields.region(), default: "us-east-1", defaultReason: "what Ceph RGW answers to unless configured otherwise", example: "us-east-1", description: "S3 region name the object store expects." },
  bucketName: { type: "string", server: "replaced", when: vmOptional, shape: fields.s3Bucket(), example: "mlflow-ocean-lab", description: "Artifact bucket. Default: mlflow-<lab>." },
  bucketMode: { type: "string", when: vmOptional, shape: oneOf(["create", "adopt"]), default: "create", defaultReason: "the stack owns the lab's bucket", example: "create", description: "create or adopt (the bucket exists already and is not managed)." },
  objectStoreCaCert: { type: "string", server: "replaced", when: vmOptional, shape: pattern(PATTERNS.pemCertificate, "must be a PEM certificate"), example: "object-store-ca.pem", exampleFile: "object-store-ca.pem", description: "PEM CA certificate of the object store, when its certificate is not from a public CA (the server and pgBackRest trust it). Default: the system's CAs." },
  backupRetentionDays: {
    type: "integer", server: "replaced", shape: integer(1, 3650), default: 14, defaultReason: "two weekly full backups, every point in time in between",
    example: "30", description: "Days of point-in-time recovery kept: full backups with their WAL, and noncurrent artifact versions.",
  },
  artifactMode: { type: "string", server: "replaced", shape: oneOf(["proxied", "direct"]), default: "proxied", defaultReason: "researchers hold no bucket keys", example: "proxied", description: "proxied (artifacts through the server) or direct (researchers write to the bucket with their own keys)." },
  artifactMultipartUpload: {
    type: "boolean", shape: boolean(), default: true, defaultReason: "large uploads go in parallel parts (bench P2)", example: "false",
    description: "proxied mode: artifacts from 16 MiB up go in parallel parts to presigned URLs of the object store, which researchers must then reach and trust (always off when objectStoreCaCert is set).",
  },
  mlflowVersion: {
    type: "string", server: "replaced", when: vmOptional, default: MLFLOW_VERSION, defaultReason: "the version every test runs", example: MLFLOW_VERSION,
    shape: z.string().refine((version) => isVersionAtLeast(version, MLFLOW_MINIMUM_VERSION), { error: `must be a release at least ${MLFLOW_MINIMUM_VERSION} (older servers have public CVEs)` }),
    description: `MLflow version installed on the server, at least ${MLFLOW_MINIMUM_VERSION}.`,
  },
  experimentName: { type: "string", shape: fields.freeText(), example: "ocean-currents", description: "Default MLFLOW_EXPERIMENT_NAME for researchers. Default: unset." },
  runaiProject: { type: "string", shape: fields.dnsLabel(57), example: "ocean", description: "Run:ai project; the namespace is runai-<project>. Default: the lab name." },
  runaiKubeContext: { type: "string", shape: fields.kubeContext(), example: "runai-cluster", description: "kubeconfig context of the Run:ai cluster. Default: the current context." },
  runaiNamespaceMode: { type: "string", shape: oneOf(["adopt", "create"]), default: "adopt", defaultReason: "Run:ai creates runai-<project> with the project", example: "adopt", description: "adopt (Run:ai created runai-<project>) or create." },
  runaiImageRepository: { type: "string", required: true, shape: fields.imageRepository(), example: "registry.example.org/ocean/mlflow", description: "Image repository for --build-image (the kubernetes backend's repository-uri)." },
  members: {
    type: "array", shape: jsonList(fields.memberName(), 500).pipe(z.array(z.string()).refine((names) => new Set(names).size === names.length, { error: "must not list a member twice" })),
    default: [], defaultReason: "only the lab-wide job account until members are listed", example: ["ada", "grace"],
    description: "Usernames of the lab's members: each gets an MLflow login (password generated, a Pulumi secret) and may submit Run:ai jobs. A change never replaces the server.",
  },
  runaiResearchers: { type: "array", shape: jsonList(fields.kubernetesUser(), 1000), default: [], defaultReason: "nobody but the admin submits Jobs", example: ["alice@example.org"], description: "Kubernetes user names allowed to create Jobs in the namespace." },
  runaiGpus: {
    type: "string", default: "1", defaultReason: "one whole GPU per training job", example: "1", description: "GPUs per job: a whole number, or a fraction below 1 (e.g. 0.5) for a shared GPU.",
    shape: pattern(/^\d{1,4}(\.\d{1,3})?$/, "must be a number").transform(Number).pipe(z.number().refine(fields.isGpuCount, { error: fields.GPU_COUNT_RULE })),
  },
  runaiCpu: { type: "string", shape: fields.cpuQuantity(), default: "4", defaultReason: "enough to feed one GPU", example: "4", description: "CPU request and limit per job (Kubernetes quantity)." },
  runaiMemory: { type: "string", shape: fields.memoryQuantity(), default: "16Gi", defaultReason: "enough to feed one GPU", example: "16Gi", description: "Memory request and limit per job (Kubernetes quantity)." },
  runaiInteractive: { type: "boolean", shape: boolean(), default: false, defaultReason: "training jobs", example: "false", description: "true labels jobs as interactive (priorityClassName: build)." },
  slurmJobName: { type: "string", shape: fields.slurmName(), example: "ocean-mlflow", description: "Slurm job name. Default: mlflow-<lab>." },
  slurmPartition: { type: "string", shape: pattern(PATTERNS.slurmName, "must be a Slurm partition name (letters, digits, '.', '_', '-')"), default: "shared", defaultReason: "the plugin's", example: "gpu", description: "Slurm partition." },
  slurmNodes: { type: "integer", shape: integer(1, 100000), default: 1, defaultReason: "the plugin's", example: "1", description: "Nodes per job." },
  slurmNtasksPerNode: { type: "integer", shape: integer(1, 100000), default: 1, defaultReason: "the plugin's", example: "1", description: "Tasks per node." },
  slurmCpusPerTask: { type: "integer", shape: integer(1, 100000), default: 1, defaultReason: "the plugin's", example: "4", description: "CPUs per task." },
  slurmMem: { type: "string", shape: fields.slurmMem(), default: "4G", defaultReason: "the plugin's 1gb is too small to train", example: "8G", description: "Memory per node." },
  slurmTime: { type: "string", shape: fields.slurmTime(), default: "01:00:00", defaultReason: "the plugin's 5 minutes is too short to train", example: "02:00:00", description: "Wall time." },
  slurmGpus: { type: "integer", shape: integer(0, 1024), default: 0, defaultReason: "no GPU unless asked", example: "1", description: "GPUs per job; 0 for none." },
  slurmModules: { type: "array", shape: jsonList(fields.moduleName(), 100), default: [], defaultReason: "the cluster's default environment", example: ["StdEnv/2023", "python/3.12"], description: "Modules loaded before the job (module load <name>)." },
  slurmEnvironment: { type: "array", shape: jsonList(slurmAssignment(), 100), default: [], defaultReason: "nothing beyond the lab's", example: ["OMP_NUM_THREADS=8"], description: "Extra NAME=value variables exported in the job (never credentials: job logs show them)." },
  slurmDebug: { type: "boolean", shape: boolean(), default: false, defaultReason: "the plugin's", example: "false", description: "Keep the job's temporary work directory." },
  offlineSqliteDbPath: { type: "string", shape: fields.absolutePath(), example: "/scratch/ocean/mlflow.db", description: "Offline HPC: absolute path of the sqlite store on compute nodes. Set with offlineArtifactsPath." },
  offlineArtifactsPath: { type: "string", shape: fields.absolutePath(), example: "/scratch/ocean/artifacts", description: "Offline HPC: absolute path of the local artifact folder. Set with offlineSqliteDbPath." },
} as const satisfies Record<string, ConfigKeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;
/** What an encrypted value stands for where it cannot be decrypted (the offline plan). */
export const UNREADABLE_SECRET = "[secret]";
export type SecretKey = { [K in ConfigKey]: (typeof CONFIG_KEYS)[K] extends { secret: true } ? K : never }[ConfigKey];
/** Config as Pulumi hands it over: text per key (lists as JSON). A secret key here was stored in clear. */
export type RawConfig = Partial<Record<ConfigKey, string>>;
export const CONFIG_NAMESPACE = "mlflow-lab";

export function isConfigKey(key: string): key is ConfigKey {
  return Object.hasOwn(CONFIG_KEYS, key);
}

export function keySpec(key: ConfigKey): ConfigKeySpec {
  return CONFIG_KEYS[key];
}

export function isSecretKey(key: ConfigKey): boolean {
  return keySpec(key).secret === true;
}

/** What Pulumi.yaml declares as the default: the key's own, or the empty value of its type (unset). */
export function declaredDefault(key: ConfigKey): string | number | boolean | readonly string[] {
  const spec = keySpec(key);
  return spec.default ?? (spec.type === "array" ? [] : "");
}

/** The declared default as the CLI hands it to a program: text, lists as JSON. */
export function declaredDefaultText(key: ConfigKey): string {
  const value = declaredDefault(key);
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

/** The key's own default as the CLI hands it to the program: text, lists as JSON. */
export function defaultText(key: ConfigKey): string | undefined {
  const value = keySpec(key).default;
  if (value === undefined) return undefined;
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

/** The keys whose new value has this effect on the server VM. */
export function keysChanging(effect: "replaced" | "changed in place"): ConfigKey[] {
  return (Object.keys(CONFIG_KEYS) as ConfigKey[]).filter((key) => keySpec(key).server === effect);
}
