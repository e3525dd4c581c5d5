/** Reads stacks/Pulumi.<stack>.yaml into the flat string map a Pulumi program receives. */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { UsageError } from "./errors";

/** MLFLOW_LAB_STACKS_DIR points elsewhere, e.g. at stacks kept outside the repository. */
export const STACKS_DIR = process.env.MLFLOW_LAB_STACKS_DIR ?? path.join(__dirname, "..", "stacks");
/** What an encrypted value stands for offline: we cannot and need not decrypt it. */
export const SECRET_PLACEHOLDER = "[secret]";

export interface StackConfig {
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
}

export function stackFile(stack: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(stack)) throw new UsageError(`stack name ${JSON.stringify(stack)} may hold only letters, digits, '.', '_' and '-'`);
  return path.join(STACKS_DIR, `Pulumi.${stack}.yaml`);
}

export function readStackConfig(stack: string): StackConfig {
  const file = stackFile(stack);
  if (!fs.existsSync(file)) throw new UsageError(`no stack file ${path.relative(process.cwd(), file)}; create it with pulumi stack init ${stack}`);
  const document = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(document.config ?? {})) {
    if (typeof value === "object" && value !== null && "secure" in value) {
      config[key] = SECRET_PLACEHOLDER;
      secretKeys.push(key);
    } else {
      // Pulumi hands structured values to programs as JSON text, scalars as strings.
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys };
}

/** The mlflow-lab keys of a stack without their namespace, as buildLabConfig takes them. */
export function readLabKeys(stack: string): Record<string, string> {
  const prefix = "mlflow-lab:";
  return Object.fromEntries(
    Object.entries(readStackConfig(stack).config)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  );
}
