/**
 * LabValues: the one object of resolved values that every researcher file is rendered from.
 * The Pulumi program exports it as the secret stack output `labValues`; `mlflow-lab render`
 * reads it back. The schema is the contract between the two, so it is strict: an unknown
 * field is an error, not something silently ignored.
 */
import { z } from "zod";
import { RESERVED_VARIABLES } from "./environmentNames";
import * as fields from "./fields";
import { problemsFromZod, ValidationError } from "./validation";

const trackingSchema = z.strictObject({
  username: fields.freeText(),
  password: fields.freeText(),
});

const memberSchema = z.strictObject({
  username: fields.memberName(),
  password: fields.freeText(),
});

const tlsSchema = z
  .strictObject({
    caCertPath: fields.absolutePath().optional(),
    caCertPem: z.string().regex(fields.PATTERNS.pemCertificate, { error: "must be a PEM certificate" }).optional(),
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
      s3EndpointUrl: fields.httpUrl(),
      bucket: fields.s3Bucket(),
      accessKeyId: fields.freeText(),
      secretAccessKey: fields.freeText(),
      region: fields.region(),
    }),
  ],
  { error: "artifacts.mode must be \"proxied\" or \"direct\"" },
);

const gpuCount = z.number().refine(fields.isGpuCount, { error: fields.GPU_COUNT_RULE });

const runaiSchema = z.strictObject({
  // runai-<project> must stay a DNS label of at most 63 characters.
  project: fields.dnsLabel(57),
  kubeContext: fields.kubeContext().optional(),
  repositoryUri: fields.imageRepository(),
  envSecretName: fields.dnsLabel(63),
  gpus: gpuCount,
  cpu: fields.cpuQuantity(),
  memory: fields.memoryQuantity(),
  interactive: z.boolean(),
});

const slurmSchema = z.strictObject({
  jobName: fields.slurmName(),
  partition: fields.slurmName(),
  nodes: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }),
  ntasksPerNode: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }),
  cpusPerTask: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }),
  mem: fields.slurmMem(),
  time: fields.slurmTime(),
  gpus: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1, or null for none" }).nullable(),
  modules: z.array(fields.moduleName()),
  extraEnvironment: z.record(fields.envName(), z.string().refine((s) => !s.includes("\0"), { error: "must not contain a NUL byte" })),
  debug: z.boolean(),
});

const offlineSchema = z.strictObject({
  sqliteDbPath: fields.absolutePath(),
  artifactsPath: fields.absolutePath(),
});

export const labValuesSchema = z
  .strictObject({
    lab: fields.dnsLabel(63),
    trackingUri: fields.httpUrl(),
    tracking: trackingSchema.optional(),
    /** Every member's login: `mlflow-lab render --member NAME` picks one; bundles never hold the list. */
    members: z.array(memberSchema).optional(),
    tls: tlsSchema.optional(),
    experimentName: fields.freeText().optional(),
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
  return /^(tracking\.|members\.|artifacts\.(accessKeyId|secretAccessKey)$|slurm\.extraEnvironment\.|tls\.caCertPem$)/.test(path);
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
