/**
 * The shape of every field mlflow-lab accepts, one rule each. The stack config schema (strings
 * from Pulumi) and the LabValues schema (typed values) both build on these, so a rule cannot
 * drift between what `pulumi up` accepts and what `mlflow-lab render` accepts.
 */
import * as net from "node:net";
import * as ipaddr from "ipaddr.js";
import { z } from "zod";

export const PATTERNS = {
  dnsLabel: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
  hostname: /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/,
  // Slurm's --time forms: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.
  slurmTime: /^(\d+|\d+:\d{2}|\d+:\d{2}:\d{2}|\d+-\d+|\d+-\d+:\d{2}|\d+-\d+:\d{2}:\d{2})$/,
  slurmMem: /^[1-9]\d*([KMGT]B?)?$/i,
  slurmName: /^[A-Za-z0-9._-]{1,64}$/,
  moduleName: /^[A-Za-z0-9._/+-]{1,128}$/,
  // Kubernetes quantities: plain or milli CPUs; binary or decimal memory suffixes.
  cpuQuantity: /^(\d+(\.\d+)?|\d+m)$/,
  memoryQuantity: /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/,
  imageRepository: /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/,
  s3Bucket: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  region: /^[A-Za-z0-9_-]{1,64}$/,
  kubeContext: /^[^\s\0-\x1f\x7f]{1,253}$/,
  // An MLflow username that is also a Kubernetes user name and a folder name (per-member bundles).
  memberName: /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/,
  kubernetesUser: /^[^\s\0-\x1f\x7f]{1,253}$/,
  // Paths reach SQLAlchemy URLs and shells: absolute, no control characters, no URL syntax.
  absolutePath: /^\/[^\0-\x1f\x7f?#]*$/,
  openstackName: /^[^\0-\x1f\x7f]{1,255}$/,
  openstackProjectId: /^[A-Za-z0-9_-]{1,64}$/,
  postgresRole: /^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/,
  databaseHost: /^[A-Za-z0-9.:-]{1,253}$/,
  certbotPlugin: /^[a-z0-9-]{1,40}$/,
  pemCertificate: /-----BEGIN CERTIFICATE-----/,
  // POSIX environment variable names: what bash accepts after `export`.
  envName: /^[A-Za-z_][A-Za-z0-9_]*$/,
} as const;

/** Kubernetes keeps a Secret or ConfigMap under 1 MiB; one value must leave room for the rest. */
export const KUBERNETES_VALUE_MAX_BYTES = 64 * 1024;

const noNul = (text: string) => !text.includes("\0");

/** Any text a shell can hold: everything but NUL. Quoting makes the rest safe. */
export const freeText = (maxBytes = KUBERNETES_VALUE_MAX_BYTES) =>
  z
    .string()
    .min(1, { error: "must not be empty" })
    .refine(noNul, { error: "must not contain a NUL byte" })
    .refine((text) => Buffer.byteLength(text) <= maxBytes, { error: `must be at most ${maxBytes} bytes` });

const matching = (pattern: RegExp, error: string) => z.string().regex(pattern, { error });

export const dnsLabel = (maxLength: number) =>
  z
    .string()
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .regex(PATTERNS.dnsLabel, { error: "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit" });

export const hostname = () => matching(PATTERNS.hostname, "must be a lower-case DNS name such as mlflow.lab.example.org");
export const slurmTime = () => matching(PATTERNS.slurmTime, "must be a Slurm time such as 02:00:00 or 1-00:00:00");
export const slurmMem = () => matching(PATTERNS.slurmMem, "must be a Slurm memory size such as 8G, 512M or 1gb");
export const slurmName = () => matching(PATTERNS.slurmName, "must be 1-64 letters, digits, '.', '_' or '-'");
export const moduleName = () => matching(PATTERNS.moduleName, "must be a module name such as python/3.12 (letters, digits, . _ / + -)");
export const cpuQuantity = () => matching(PATTERNS.cpuQuantity, "must be a Kubernetes CPU quantity such as 4, 0.5 or 500m");
export const memoryQuantity = () => matching(PATTERNS.memoryQuantity, "must be a Kubernetes memory quantity such as 16Gi");
export const imageRepository = () => matching(PATTERNS.imageRepository, "must be an image repository such as registry.example.org/lab/mlflow");
export const s3Bucket = () => matching(PATTERNS.s3Bucket, "must be an S3 bucket name: 3-63 lower-case letters, digits, '.' and '-'");
export const region = () => matching(PATTERNS.region, "must be a region name such as us-east-1");
export const kubeContext = () => matching(PATTERNS.kubeContext, "must be a kubeconfig context name without whitespace");
export const memberName = () => matching(PATTERNS.memberName, "must be a username: letters, digits, '.', '_', '@', '-', starting with a letter or digit, at most 100");
export const kubernetesUser = () => matching(PATTERNS.kubernetesUser, "must be a Kubernetes user name without whitespace");
export const absolutePath = () => matching(PATTERNS.absolutePath, "must be an absolute path without control characters, '?' or '#'");
export const openstackName = () => matching(PATTERNS.openstackName, "must be 1-255 printable characters");
export const envName = () => matching(PATTERNS.envName, "must be an environment variable name (letters, digits, '_', not starting with a digit)");

/** GPUs per job: whole GPUs, or a fraction below 1 of a shared GPU (Run:ai's gpu-fraction). */
export function isGpuCount(count: number): boolean {
  return count >= 0 && (count < 1 || Number.isInteger(count));
}
export const GPU_COUNT_RULE = "must be a whole number, or a fraction below 1 (e.g. 0.5) for a shared GPU";

/** An http(s) URL with a host and no embedded credentials; the value is never echoed when it holds some. */
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
      ctx.addIssue({ code: "custom", message: "must not embed credentials (user:password@); credentials never belong in a URL", params: { holdsCredential: true } });
    }
  });

/** True when a URL-like text carries user:password@ (its value must then never be shown). */
export function embedsCredentials(text: string): boolean {
  try {
    const url = new URL(text);
    return url.username !== "" || url.password !== "";
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]+@/i.test(text);
  }
}

/** A CIDR, parsed: the address family, the prefix length, and the network address it names. */
export interface ParsedCidr {
  readonly version: 4 | 6;
  readonly prefix: number;
  /** The network in canonical form, e.g. 198.0.0.0/8 for 198.51.100.7/8. */
  readonly network: string;
  /** True when the address has bits set beyond the prefix (198.51.100.7/8). */
  readonly hostBitsSet: boolean;
}

/** Parses a CIDR such as 203.0.113.0/24 (strict dotted-quad or IPv6 address); undefined when it is none. */
export function parseCidr(text: string): ParsedCidr | undefined {
  const [address, prefixText, extra] = text.split("/");
  // node:net is strict about address forms (no 1.2.3 or octal); ipaddr.js does the arithmetic.
  if (extra !== undefined || prefixText === undefined || !/^\d{1,3}$/.test(prefixText) || net.isIP(address) === 0) return undefined;
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text);
  } catch {
    return undefined;
  }
  const [ip, prefix] = parsed;
  const network = ip.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
  return {
    version: ip.kind() === "ipv4" ? 4 : 6,
    prefix,
    network: `${network.toString()}/${prefix}`,
    hostBitsSet: network.toNormalizedString() !== ip.toNormalizedString(),
  };
}
