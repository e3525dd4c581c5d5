/**
 * Reads stacks/Pulumi.<stack>.yaml into the flat text map a Pulumi program receives, the way
 * the Pulumi CLI reads it: a key without a namespace is the project's (mlflow-lab), lists and
 * maps travel as JSON, encrypted values stay encrypted. What the CLI would refuse, or what
 * would silently change meaning (a null, a map where text belongs, a misspelt namespace), is
 * reported as a problem with its key, never a value.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { CONFIG_KEYS, CONFIG_NAMESPACE, type ConfigKeyType, isConfigKey, isSecretKey, UNREADABLE_SECRET } from "../config/keys";
import type { Problem } from "../model/validation";
import { UsageError } from "./errors";

/** MLFLOW_LAB_STACKS_DIR points elsewhere, e.g. at stacks kept outside the repository. */
export const STACKS_DIR = process.env.MLFLOW_LAB_STACKS_DIR ?? path.join(__dirname, "..", "stacks");
/** Namespaces of the providers a lab stack configures; any other that is not ours is a typo. */
const PROVIDER_NAMESPACES = new Set(["openstack", "aws", "kubernetes", "postgresql", "random", "tls", "pulumi"]);

export interface StackConfig {
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
  /** What the file holds that the CLI would refuse or misread; the keys concerned are left out. */
  readonly problems: Problem[];
}

export function stackFile(stack: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(stack)) throw new UsageError(`stack name ${JSON.stringify(stack)} may hold only letters, digits, '.', '_' and '-'`);
  return path.join(STACKS_DIR, `Pulumi.${stack}.yaml`);
}

/** YAML errors as one line: file, line, what is wrong and what to do. */
function parseYaml(file: string, text: string): unknown {
  try {
    return yaml.load(text, { filename: file });
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      const line = error.mark ? `:${error.mark.line + 1}` : "";
      throw new UsageError(`${path.relative(process.cwd(), file)}${line}: ${error.reason}; fix the YAML there (or set the key again with pulumi config set)`);
    }
    throw error;
  }
}

function looksLikeOurs(namespace: string): boolean {
  const squeezed = namespace.toLowerCase().replace(/[^a-z]/g, "");
  return squeezed.includes("mlflow") || squeezed.includes("lab") || editDistance(squeezed, "mlflowlab") <= 2;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The value as the CLI hands it to a program, or a problem when its YAML type cannot be the key's. */
function asConfigText(value: unknown, type: ConfigKeyType | undefined): { text?: string; problem?: string } {
  if (value === null || value === undefined) return { problem: "is empty in the stack file (null); give it a value or remove the line" };
  const scalar = typeof value === "string" || typeof value === "number" || typeof value === "boolean";
  if (type === "array") {
    const list = Array.isArray(value) && value.every((item) => typeof item === "string" || typeof item === "number" || typeof item === "boolean");
    return list ? { text: JSON.stringify(value.map(String)) } : { problem: "must be a list of values, one per line starting with '- '" };
  }
  if (type !== undefined && !scalar) return { problem: `must be a single value, not a ${Array.isArray(value) ? "list" : "map"}` };
  // Pulumi hands structured values of other namespaces to programs as JSON text, scalars as text.
  return { text: typeof value === "string" ? value : JSON.stringify(value) };
}

export function readStackConfig(stack: string): StackConfig {
  const file = stackFile(stack);
  if (!fs.existsSync(file)) throw new UsageError(`no stack file ${path.relative(process.cwd(), file)}; create it with pulumi stack init ${stack}`);
  const document = parseYaml(file, fs.readFileSync(file, "utf8")) ?? {};
  if (typeof document !== "object" || Array.isArray(document)) throw new UsageError(`${path.relative(process.cwd(), file)}: must be a YAML map with a config: section`);
  const entries = (document as { config?: unknown }).config ?? {};
  if (typeof entries !== "object" || entries === null || Array.isArray(entries)) throw new UsageError(`${path.relative(process.cwd(), file)}: config: must be a map of keys to values`);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const problems: Problem[] = [];
  for (const [written, value] of Object.entries(entries as Record<string, unknown>)) {
    // As the CLI reads it: no namespace means the project's own.
    const fullKey = written.includes(":") ? written : `${CONFIG_NAMESPACE}:${written}`;
    const [namespace, key] = [fullKey.slice(0, fullKey.indexOf(":")), fullKey.slice(fullKey.indexOf(":") + 1)];
    if (namespace !== CONFIG_NAMESPACE && !PROVIDER_NAMESPACES.has(namespace) && looksLikeOurs(namespace)) {
      problems.push({ path: written, message: `namespace ${JSON.stringify(namespace)} is not ${CONFIG_NAMESPACE}; fix: pulumi config rm '${written}' and set ${isConfigKey(key) ? `${CONFIG_NAMESPACE}:${key}` : "the intended key"}` });
      continue;
    }
    const ours = namespace === CONFIG_NAMESPACE && isConfigKey(key);
    if (typeof value === "object" && value !== null && !Array.isArray(value) && "secure" in value) {
      config[fullKey] = UNREADABLE_SECRET;
      secretKeys.push(fullKey);
      continue;
    }
    const { text, problem } = asConfigText(value, ours ? CONFIG_KEYS[key].type : undefined);
    if (problem !== undefined) {
      // A credential's value is never quoted back; no value is, here.
      problems.push({ path: fullKey, message: ours && isSecretKey(key) ? `${problem} (a credential: pulumi config set --secret ${key})` : problem });
      continue;
    }
    if (text !== undefined) config[fullKey] = text;
  }
  return { config, secretKeys, problems };
}

/** The mlflow-lab keys of a stack without their namespace, as buildLabConfig takes them. */
export function readLabKeys(stack: string): Record<string, string> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return Object.fromEntries(
    Object.entries(readStackConfig(stack).config)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
}
