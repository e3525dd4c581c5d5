/**
 * Pulumi.yaml, rendered from the key table. The real CLI demands every declared key without a
 * `default:`, and hands a declared default to the program as if set; so only keys every stack
 * must set go without one, and optional keys default to "" or [] (which the program reads as
 * unset). A key declared `secret: true` may not have a plain default (the CLI then demands the
 * default itself be encrypted), so credentials are declared without it: loadLabConfig refuses
 * one stored in clear, with the `--secret` fix. `npm run config:project` writes the file; a
 * test keeps the committed one equal.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { CONFIG_KEYS, type ConfigKey, declaredDefault, keySpec } from "./keys";

export const PROJECT_FILE = path.join(__dirname, "..", "Pulumi.yaml");

function describeDefault(key: ConfigKey): string {
  const spec = keySpec(key);
  if (spec.default === undefined) return "";
  const shown = Array.isArray(spec.default) ? (spec.default.length === 0 ? "none" : spec.default.join(", ")) : String(spec.default);
  return ` Default: ${shown}${spec.defaultReason !== undefined ? ` (${spec.defaultReason})` : ""}.`;
}

/** The declaration of one key, as the CLI reads it. */
export function keyDeclaration(key: ConfigKey): Record<string, unknown> {
  const spec = keySpec(key);
  const secret = spec.secret === true ? " A credential: set it with --secret." : "";
  const declaration: Record<string, unknown> = { type: spec.type, description: `${spec.description}${describeDefault(key)}${secret}` };
  if (spec.type === "array") declaration.items = { type: "string" };
  if (spec.required !== true) declaration.default = declaredDefault(key);
  return declaration;
}

export function renderProjectFile(): string {
  const project = {
    name: "mlflow-lab",
    runtime: { name: "nodejs", options: { typescript: true, packagemanager: "npm" } },
    description: "One stack per research lab: MLflow tracking server, Postgres, S3 artifacts, Run:ai and Slurm researcher files.",
    main: "index.ts",
    stackConfigDir: "stacks",
    config: Object.fromEntries((Object.keys(CONFIG_KEYS) as ConfigKey[]).map((key) => [key, keyDeclaration(key)])),
  };
  return [
    "# The mlflow-lab Pulumi project. Generated from config/keys.ts by `npm run config:project`:",
    "# edit the key table, not this file. stacks/Pulumi.example.yaml shows every key with comments.",
    yaml.dump(project, { lineWidth: -1, noRefs: true }),
  ].join("\n");
}

if (require.main === module) {
  fs.writeFileSync(PROJECT_FILE, renderProjectFile());
  console.log(`wrote ${path.relative(process.cwd(), PROJECT_FILE)}`);
}
