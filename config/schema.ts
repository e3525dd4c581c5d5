/**
 * Validation of a lab's stack config, free of Pulumi so it is testable on plain strings.
 * Every key is checked before anything is built, and every problem is reported at once with
 * the key, the value given (never for a secret), what is allowed and the command that fixes it.
 */
import * as net from "node:net";
import { z } from "zod";
import { dnsLabel, httpUrl, absolutePath } from "../model/labValues";
import { ENV_NAME } from "../templates/shell";
import { MLFLOW_MINIMUM_VERSION, MLFLOW_VERSION, isVersionAtLeast } from "../model/versions";
import { RESERVED_VARIABLES } from "../templates/researcher/environment";
import { ValidationError, type Problem } from "../model/validation";
import { CONFIG_KEYS, CONFIG_NAMESPACE, type ConfigKey, fixHint } from "./keys";

export type SecretKey = { [K in ConfigKey]: (typeof CONFIG_KEYS)[K] extends { secret: true } ? K : never }[ConfigKey];
export type PlainKey = Exclude<ConfigKey, SecretKey>;
/** Raw config as Pulumi hands it over: every value a string (arrays as JSON). */
export type RawConfig = Partial<Record<PlainKey, string>>;

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
const OPENSTACK_NAME = /^[^\0-\x1f\x7f]{1,255}$/;
const SLURM_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const K8S_USER = /^[^\s\0-\x1f\x7f]{1,253}$/;

const cidr = z.string().refine(
  (text) => {
    const [address, prefix, extra] = text.split("/");
    if (extra !== undefined || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
    const version = net.isIP(address);
    return version !== 0 && Number(prefix) <= (version === 4 ? 32 : 128);
  },
  { error: "must be a CIDR such as 203.0.113.0/24" },
);

const openstackName = () => z.string().regex(OPENSTACK_NAME, { error: "must be 1-255 printable characters" });
const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: "must be a whole number" })
    .transform(Number)
    .pipe(z.number().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }));
const boolean = () => z.enum(["true", "false"], { error: "must be true or false" }).transform((text) => text === "true");
const oneOf = <const T extends readonly [string, ...string[]]>(choices: T) =>
  z.enum(choices, { error: `must be one of ${choices.join(", ")}` });
/** Pulumi stores array config as JSON text. */
const jsonArray = <T extends z.ZodType>(item: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be a JSON array, e.g. '[\"a\",\"b\"]'" });
        return z.NEVER;
      }
    })
    .pipe(z.array(item, { error: "must be a JSON array" }));

const envAssignment = z.string().superRefine((text, ctx) => {
  const name = text.slice(0, text.indexOf("="));
  if (!text.includes("=") || !ENV_NAME.test(name)) {
    ctx.addIssue({ code: "custom", message: "each entry must be NAME=value with a valid variable name" });
  } else if (RESERVED_VARIABLES.has(name)) {
    ctx.addIssue({ code: "custom", message: `${name} is set by mlflow-lab itself; remove it` });
  } else if (text.includes("\0")) {
    ctx.addIssue({ code: "custom", message: "must not contain a NUL byte" });
  }
});

const plainSchema = z.strictObject({
  lab: dnsLabel(40),
  openstackProjectId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "must be an OpenStack project ID (openstack project show -f value -c id)" }),
  serverImage: openstackName(),
  serverFlavor: openstackName(),
  networkName: openstackName(),
  externalNetworkName: openstackName().default("Public-Network"),
  keyPairName: openstackName(),
  adminCidr: cidr,
  labCidrs: jsonArray(cidr).pipe(z.array(z.string()).min(1, { error: "must list at least one CIDR" })),
  dataVolumeSizeGiB: integer(1, 16384).default(50),
  hostname: z.string().regex(HOSTNAME, { error: "must be a lower-case DNS name such as mlflow.lab.example.org" }),
  tlsMode: oneOf(["lab-ca", "institution", "acme-dns"]).default("lab-ca"),
  tlsCertificate: z.string().regex(/-----BEGIN CERTIFICATE-----/, { error: "must be a PEM certificate chain" }).optional(),
  acmeEmail: z.email({ error: "must be an e-mail address" }).optional(),
  acmeDnsPlugin: z.string().regex(/^[a-z0-9-]{1,40}$/, { error: "must be a certbot DNS plugin name such as rfc2136 or cloudflare" }).optional(),
  databaseMode: oneOf(["vm", "existing"]).default("vm"),
  databaseHost: z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/, { error: "must be a host name or IP address" }).optional(),
  databasePort: integer(1, 65535).default(5432),
  databaseAdminUsername: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/, { error: "must be a Postgres role name" }).optional(),
  databaseSslMode: oneOf(["require", "verify-ca", "verify-full"]).default("require"),
  s3EndpointUrl: httpUrl(),
  s3Region: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "must be a region name such as us-east-1" }).default("us-east-1"),
  bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name: 3-63 lower-case letters, digits, '.' and '-'" }).optional(),
  bucketMode: oneOf(["create", "adopt"]).default("create"),
  artifactMode: oneOf(["proxied", "direct"]).default("proxied"),
  artifactMultipartUpload: boolean().default(true),
  mlflowVersion: z
    .string()
    .refine((version) => isVersionAtLeast(version, MLFLOW_MINIMUM_VERSION), {
      error: `must be a release at least ${MLFLOW_MINIMUM_VERSION} (older servers have public CVEs)`,
    })
    .default(MLFLOW_VERSION),
  experimentName: z.string().min(1).refine((s) => !s.includes("\0"), { error: "must not contain a NUL byte" }).optional(),
  runaiProject: dnsLabel(57).optional(),
  runaiKubeContext: z.string().regex(/^[^\s\0-\x1f]{1,253}$/, { error: "must be a kubeconfig context name" }).optional(),
  runaiNamespaceMode: oneOf(["adopt", "create"]).default("adopt"),
  runaiImageRepository: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/, { error: "must be an image repository such as registry.example.org/lab/mlflow" }),
  runaiResearchers: jsonArray(z.string().regex(K8S_USER, { error: "must be Kubernetes user names" })).default([]),
  runaiGpus: z
    .string()
    .regex(/^\d+(\.\d+)?$/, { error: "must be a number" })
    .transform(Number)
    .pipe(z.number().refine((n) => n < 1 || Number.isInteger(n), { error: "must be a whole number, or a fraction below 1 such as 0.5" }))
    .default(1),
  runaiCpu: z.string().regex(/^(\d+(\.\d+)?|\d+m)$/, { error: "must be a CPU quantity such as 4 or 500m" }).default("4"),
  runaiMemory: z.string().regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$/, { error: "must be a memory quantity such as 16Gi" }).default("16Gi"),
  runaiInteractive: boolean().default(false),
  slurmJobName: z.string().regex(SLURM_NAME, { error: "must be 1-64 letters, digits, '.', '_' or '-'" }).optional(),
  slurmPartition: z.string().regex(SLURM_NAME, { error: "must be a partition name" }).default("shared"),
  slurmNodes: integer(1, 100000).default(1),
  slurmNtasksPerNode: integer(1, 100000).default(1),
  slurmCpusPerTask: integer(1, 100000).default(1),
  slurmMem: z.string().regex(/^[1-9]\d*([KMGT]B?)?$/i, { error: "must be a memory size such as 8G" }).default("4G"),
  slurmTime: z
    .string()
    .regex(/^(\d+|\d+:\d{2}|\d+:\d{2}:\d{2}|\d+-\d+|\d+-\d+:\d{2}|\d+-\d+:\d{2}:\d{2})$/, { error: "must be a Slurm time such as 02:00:00 or 1-00:00:00" })
    .default("01:00:00"),
  slurmGpus: integer(1, 1024).optional(),
  slurmModules: jsonArray(z.string().regex(/^[A-Za-z0-9._/+-]{1,128}$/, { error: "must be module names such as python/3.12" })).default([]),
  slurmEnvironment: jsonArray(envAssignment).default([]),
  slurmDebug: boolean().default(false),
  offlineSqliteDbPath: absolutePath().optional(),
  offlineArtifactsPath: absolutePath().optional(),
});

type Plain = z.infer<typeof plainSchema>;

/** The validated lab configuration. `S` is how a secret is held: an Output in Pulumi, a string in tests. */
export interface LabConfig<S> {
  readonly lab: string;
  readonly openstack: {
    readonly projectId: string;
    readonly image: string;
    readonly flavor: string;
    readonly network: string;
    readonly externalNetwork: string;
    readonly keyPair: string;
    readonly adminCidr: string;
    readonly labCidrs: readonly string[];
    readonly dataVolumeSizeGiB: number;
  };
  readonly server: {
    readonly hostname: string;
    readonly mlflowVersion: string;
    readonly tls:
      | { readonly mode: "lab-ca" }
      | { readonly mode: "institution"; readonly certificate: string; readonly privateKey: S }
      | { readonly mode: "acme-dns"; readonly email: string; readonly dnsPlugin: string; readonly dnsCredentials: S };
  };
  readonly database:
    | { readonly mode: "vm" }
    | { readonly mode: "existing"; readonly host: string; readonly port: number; readonly adminUsername: string; readonly adminPassword: S; readonly sslMode: string };
  readonly objectStore: {
    readonly s3EndpointUrl: string;
    readonly region: string;
    readonly bucketName: string;
    readonly bucketMode: "create" | "adopt";
    readonly artifactMode: "proxied" | "direct";
    /** Proxied mode: large uploads in parts to presigned object-store URLs. */
    readonly multipartUpload: boolean;
  };
  readonly experimentName?: string;
  readonly runai: {
    readonly project: string;
    readonly kubeContext?: string;
    readonly namespaceMode: "adopt" | "create";
    readonly repositoryUri: string;
    readonly researchers: readonly string[];
    readonly gpus: number;
    readonly cpu: string;
    readonly memory: string;
    readonly interactive: boolean;
  };
  readonly slurm: {
    readonly jobName: string;
    readonly partition: string;
    readonly nodes: number;
    readonly ntasksPerNode: number;
    readonly cpusPerTask: number;
    readonly mem: string;
    readonly time: string;
    readonly gpus: number | null;
    readonly modules: readonly string[];
    readonly extraEnvironment: Readonly<Record<string, string>>;
    readonly debug: boolean;
  };
  readonly offline?: { readonly sqliteDbPath: string; readonly artifactsPath: string };
}

function problem(key: string, message: string, given?: unknown): Problem {
  const known = key in CONFIG_KEYS ? (key as ConfigKey) : undefined;
  const secret = known !== undefined && "secret" in CONFIG_KEYS[known];
  const shown = given !== undefined && !secret ? ` (given ${JSON.stringify(given)})` : "";
  const fix = known ? `; fix: ${fixHint(known)}` : "; fix: pulumi config rm " + key;
  return { path: `${CONFIG_NAMESPACE}:${key}`, message: `${message}${shown}${fix}` };
}

/** Settings that belong to one choice of a mode key: set under another choice, they contradict it. */
const MODE_KEYS: { mode: PlainKey; choice: string; keys: ConfigKey[] }[] = [
  { mode: "tlsMode", choice: "institution", keys: ["tlsCertificate", "tlsPrivateKey"] },
  { mode: "tlsMode", choice: "acme-dns", keys: ["acmeEmail", "acmeDnsPlugin", "acmeDnsCredentials"] },
  { mode: "databaseMode", choice: "existing", keys: ["databaseHost", "databaseAdminUsername", "databaseAdminPassword"] },
];

function crossKeyProblems(plain: Plain, raw: RawConfig, present: (key: ConfigKey) => boolean): Problem[] {
  const problems: Problem[] = [];
  for (const { mode, choice, keys } of MODE_KEYS) {
    const chosen = plain[mode] === choice;
    for (const key of keys) {
      if (chosen && !present(key)) problems.push(problem(key, `is required when ${mode} is ${choice}`));
      if (!chosen && present(key)) problems.push(problem(key, `only applies when ${mode} is ${choice} (${mode} is ${String(plain[mode])}); remove it or set ${mode}=${choice}`, raw[key as PlainKey]));
    }
  }
  if ((plain.offlineSqliteDbPath === undefined) !== (plain.offlineArtifactsPath === undefined)) {
    const missing = plain.offlineSqliteDbPath === undefined ? "offlineSqliteDbPath" : "offlineArtifactsPath";
    problems.push(problem(missing, "is required with the other offline* key: set both or neither"));
  }
  return problems;
}

/**
 * Validates raw config and builds the typed LabConfig, or throws one ValidationError naming
 * every bad key. `secrets` holds the secret keys that are set (values never inspected).
 */
export function buildLabConfig<S>(raw: RawConfig, secrets: Partial<Record<SecretKey, S>>): LabConfig<S> {
  const present = (key: ConfigKey) => secrets[key as SecretKey] !== undefined || raw[key as PlainKey] !== undefined;
  const unknown = Object.keys(raw).filter((key) => !(key in CONFIG_KEYS));
  const parsed = plainSchema.safeParse(raw);
  const problems: Problem[] = [
    ...unknown.map((key) => problem(key, "is not a known key of mlflow-lab; check its spelling in Pulumi.yaml")),
  ];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        // Unknown keys are reported above; what is left is a secret key handed over in the clear.
        for (const key of issue.keys.filter((name) => !unknown.includes(name))) problems.push(problem(key, "holds a credential; set it with --secret"));
        continue;
      }
      const key = String(issue.path[0]);
      const message = issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message;
      problems.push(problem(key, message, raw[key as PlainKey]));
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ValidationError("stack config", problems);
  problems.push(...crossKeyProblems(parsed.data, raw, present));
  if (problems.length > 0) throw new ValidationError("stack config", problems);
  return assemble(parsed.data, secrets);
}

function assemble<S>(plain: Plain, secrets: Partial<Record<SecretKey, S>>): LabConfig<S> {
  const secret = (key: SecretKey): S => secrets[key] as S; // presence checked by crossKeyProblems
  const tls: LabConfig<S>["server"]["tls"] =
    plain.tlsMode === "institution"
      ? { mode: "institution", certificate: plain.tlsCertificate ?? "", privateKey: secret("tlsPrivateKey") }
      : plain.tlsMode === "acme-dns"
        ? { mode: "acme-dns", email: plain.acmeEmail ?? "", dnsPlugin: plain.acmeDnsPlugin ?? "", dnsCredentials: secret("acmeDnsCredentials") }
        : { mode: "lab-ca" };
  const database: LabConfig<S>["database"] =
    plain.databaseMode === "existing"
      ? {
          mode: "existing",
          host: plain.databaseHost ?? "",
          port: plain.databasePort,
          adminUsername: plain.databaseAdminUsername ?? "",
          adminPassword: secret("databaseAdminPassword"),
          sslMode: plain.databaseSslMode,
        }
      : { mode: "vm" };
  return {
    lab: plain.lab,
    openstack: {
      projectId: plain.openstackProjectId,
      image: plain.serverImage,
      flavor: plain.serverFlavor,
      network: plain.networkName,
      externalNetwork: plain.externalNetworkName,
      keyPair: plain.keyPairName,
      adminCidr: plain.adminCidr,
      labCidrs: plain.labCidrs,
      dataVolumeSizeGiB: plain.dataVolumeSizeGiB,
    },
    server: { hostname: plain.hostname, mlflowVersion: plain.mlflowVersion, tls },
    database,
    objectStore: {
      s3EndpointUrl: plain.s3EndpointUrl,
      region: plain.s3Region,
      bucketName: plain.bucketName ?? `mlflow-${plain.lab}`,
      bucketMode: plain.bucketMode,
      artifactMode: plain.artifactMode,
      multipartUpload: plain.artifactMultipartUpload,
    },
    ...(plain.experimentName !== undefined ? { experimentName: plain.experimentName } : {}),
    runai: {
      project: plain.runaiProject ?? plain.lab,
      ...(plain.runaiKubeContext !== undefined ? { kubeContext: plain.runaiKubeContext } : {}),
      namespaceMode: plain.runaiNamespaceMode,
      repositoryUri: plain.runaiImageRepository,
      researchers: plain.runaiResearchers,
      gpus: plain.runaiGpus,
      cpu: plain.runaiCpu,
      memory: plain.runaiMemory,
      interactive: plain.runaiInteractive,
    },
    slurm: {
      jobName: plain.slurmJobName ?? `mlflow-${plain.lab}`,
      partition: plain.slurmPartition,
      nodes: plain.slurmNodes,
      ntasksPerNode: plain.slurmNtasksPerNode,
      cpusPerTask: plain.slurmCpusPerTask,
      mem: plain.slurmMem,
      time: plain.slurmTime,
      gpus: plain.slurmGpus ?? null,
      modules: plain.slurmModules,
      extraEnvironment: Object.fromEntries(plain.slurmEnvironment.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)])),
      debug: plain.slurmDebug,
    },
    ...(plain.offlineSqliteDbPath !== undefined && plain.offlineArtifactsPath !== undefined
      ? { offline: { sqliteDbPath: plain.offlineSqliteDbPath, artifactsPath: plain.offlineArtifactsPath } }
      : {}),
  };
}
