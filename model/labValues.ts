/**
 * LabValues: the one object of resolved values that every researcher file is rendered from.
 * The Pulumi program exports it as the secret stack output `labValues`; `mlflow-lab render`
 * reads it back. The schema is the contract between the two, so it is strict: an unknown
 * field is an error, not something silently ignored.
 */
import { z } from "zod";
import { RESERVED_VARIABLES } from "../templates/researcher/environment";
import { ENV_NAME } from "../templates/shell";
import { problemsFromZod, ValidationError } from "./validation";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SLURM_TIME = /^(\d+|\d+:\d{2}|\d+:\d{2}:\d{2}|\d+-\d+|\d+-\d+:\d{2}|\d+-\d+:\d{2}:\d{2})$/;
const SLURM_MEM = /^[1-9]\d*([KMGT]B?)?$/i;
const SLURM_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const MODULE_NAME = /^[A-Za-z0-9._/+-]{1,128}$/;
const CPU_QUANTITY = /^(\d+(\.\d+)?|\d+m)$/;
const MEMORY_QUANTITY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|K|M|G|T|P)?$/;
const IMAGE_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[A-Za-z0-9_-]{1,64}$/;
// Paths reach SQLAlchemy URLs and shells: absolute, no control characters, no URL syntax.
const ABSOLUTE_PATH = /^\/[^\0-\x1f\x7f?#]*$/;

/** Any text a shell can hold: everything but NUL. Quoting makes the rest safe. */
export const freeText = () =>
  z.string().min(1, { error: "must not be empty" }).refine((s) => !s.includes("\0"), { error: "must not contain a NUL byte" });

export const dnsLabel = (maxLength: number) =>
  z
    .string()
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .regex(DNS_LABEL, { error: "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit" });

/** An http(s) URL with a host and no embedded credentials, whitespace or control characters. */
export const httpUrl = () =>
  z.string().superRefine((text, ctx) => {
    if (/[\s\0-\x1f\x7f]/.test(text)) {
      ctx.addIssue({ code: "custom", message: "must not contain whitespace or control characters" });
      return;
    }
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be an absolute URL such as https://mlflow.example.org" });
      return;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      ctx.addIssue({ code: "custom", message: "must start with https:// (or http:// for a loopback lab)" });
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: "custom", message: "must not embed credentials; use tracking.username and tracking.password" });
    }
  });

export const absolutePath = () =>
  z.string().regex(ABSOLUTE_PATH, { error: "must be an absolute path without control characters, '?' or '#'" });

const trackingSchema = z.strictObject({
  username: freeText(),
  password: freeText(),
});

const tlsSchema = z
  .strictObject({
    caCertPath: absolutePath().optional(),
    caCertPem: z.string().regex(/-----BEGIN CERTIFICATE-----/, { error: "must be a PEM certificate" }).optional(),
  })
  .refine((tls) => tls.caCertPath !== undefined || tls.caCertPem !== undefined, {
    error: "give caCertPem (shipped in the bundle) or caCertPath (already on researchers' machines)",
  });

const artifactsSchema = z.discriminatedUnion(
  "mode",
  [
    // multipartUpload: absent means true (large uploads in parts to presigned URLs).
    z.strictObject({ mode: z.literal("proxied"), multipartUpload: z.boolean().optional() }),
    z.strictObject({
      mode: z.literal("direct"),
      s3EndpointUrl: httpUrl(),
      bucket: z.string().regex(S3_BUCKET, { error: "must be an S3 bucket name: 3-63 lower-case letters, digits, '.' and '-'" }),
      accessKeyId: freeText(),
      secretAccessKey: freeText(),
      region: z.string().regex(REGION, { error: "must be a region name such as us-east-1 or default" }),
    }),
  ],
  { error: "artifacts.mode must be \"proxied\" or \"direct\"" },
);

const gpuCount = z
  .number()
  .min(0, { error: "must be 0 or more" })
  .refine((n) => n < 1 || Number.isInteger(n), { error: "must be a whole number, or a fraction below 1 (e.g. 0.5) for a shared GPU" });

const runaiSchema = z.strictObject({
  // runai-<project> must stay a DNS label of at most 63 characters.
  project: dnsLabel(57),
  kubeContext: z.string().regex(/^[^\s\0-\x1f]{1,253}$/, { error: "must be a kubeconfig context name without whitespace" }).optional(),
  repositoryUri: z.string().regex(IMAGE_REFERENCE, { error: "must be an image repository such as registry.example.org/lab/mlflow" }),
  envSecretName: dnsLabel(63),
  gpus: gpuCount,
  cpu: z.string().regex(CPU_QUANTITY, { error: "must be a Kubernetes CPU quantity such as 4, 0.5 or 500m" }),
  memory: z.string().regex(MEMORY_QUANTITY, { error: "must be a Kubernetes memory quantity such as 16Gi" }),
  interactive: z.boolean(),
});

const slurmSchema = z.strictObject({
  jobName: z.string().regex(SLURM_NAME, { error: "must be 1-64 letters, digits, '.', '_' or '-'" }),
  partition: z.string().regex(SLURM_NAME, { error: "must be a Slurm partition name (letters, digits, '.', '_', '-')" }),
  nodes: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }),
  ntasksPerNode: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }),
  cpusPerTask: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }),
  mem: z.string().regex(SLURM_MEM, { error: "must be a Slurm memory size such as 4G, 512M or 1gb" }),
  time: z.string().regex(SLURM_TIME, { error: "must be a Slurm time: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS" }),
  gpus: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1, or null for none" }).nullable(),
  modules: z.array(z.string().regex(MODULE_NAME, { error: "must be a module name such as python/3.12 (letters, digits, . _ / + -)" })),
  extraEnvironment: z.record(
    z.string().regex(ENV_NAME, { error: "must be an environment variable name (letters, digits, '_', not starting with a digit)" }),
    z.string().refine((s) => !s.includes("\0"), { error: "must not contain a NUL byte" }),
  ),
  debug: z.boolean(),
});

const offlineSchema = z.strictObject({
  sqliteDbPath: absolutePath(),
  artifactsPath: absolutePath(),
});

export const labValuesSchema = z
  .strictObject({
    lab: dnsLabel(63),
    trackingUri: httpUrl(),
    tracking: trackingSchema.optional(),
    tls: tlsSchema.optional(),
    experimentName: freeText().optional(),
    artifacts: artifactsSchema,
    runai: runaiSchema,
    slurm: slurmSchema,
    offline: offlineSchema.optional(),
  })
  .superRefine((values, ctx) => {
    if (values.tls && values.trackingUri.startsWith("http:")) {
      ctx.addIssue({ code: "custom", path: ["trackingUri"], message: "must use https:// when tls is set" });
    }
    for (const name of Object.keys(values.slurm.extraEnvironment)) {
      if (RESERVED_VARIABLES.has(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["slurm", "extraEnvironment", name],
          message: "is set by mlflow-lab itself; remove it from extraEnvironment",
        });
      }
    }
  });

export type LabValues = z.infer<typeof labValuesSchema>;

/** Paths whose values are credentials (or may be): never echoed in an error. */
export function isSecretValuePath(path: string): boolean {
  return /^(tracking\.|artifacts\.(accessKeyId|secretAccessKey)$|slurm\.extraEnvironment\.|tls\.caCertPem$)/.test(path);
}

/** Validates a LabValues document; throws one ValidationError listing every bad field by path. */
export function parseLabValues(document: unknown): LabValues {
  const result = labValuesSchema.safeParse(document);
  if (!result.success) throw new ValidationError("labValues", problemsFromZod(result.error, isSecretValuePath));
  return result.data;
}

/**
 * Accepts a LabValues document or the whole `pulumi stack output --json --show-secrets`
 * object that holds one under `labValues`.
 */
export function labValuesFromDocument(document: unknown): LabValues {
  const isStackOutput =
    typeof document === "object" && document !== null && !Array.isArray(document) && "labValues" in document;
  return parseLabValues(isStackOutput ? document.labValues : document);
}
