/**
 * The command that fixes a key, as an admin would type it with the real Pulumi CLI: lists by
 * `--path` items (a JSON string would be stored as a string), credentials with `--secret`,
 * multi-line values from a file on standard input.
 */
import { quoteForBash } from "../templates/shell";
import { type ConfigKey, keySpec } from "./keys";

const SHELL_SAFE = /^[A-Za-z0-9._/:@=+-]+$/;

function shellWord(value: string): string {
  return SHELL_SAFE.test(value) ? value : quoteForBash(value);
}

/** Commands that set `key` to its example value; several are joined by "; ". */
export function fixHint(key: ConfigKey): string {
  const spec = keySpec(key);
  const secret = spec.secret === true ? "--secret " : "";
  if (spec.exampleFile !== undefined) return `pulumi config set ${secret}${key} < ${spec.exampleFile}`;
  if (spec.secret === true) return `pulumi config set --secret ${key}`;
  if (typeof spec.example !== "string") {
    const items = spec.example.map((item, index) => `pulumi config set --path ${quoteForBash(`${key}[${index}]`)} ${shellWord(item)}`);
    return [`pulumi config rm ${key}`, ...items].join("; ");
  }
  return `pulumi config set ${key} ${shellWord(spec.example)}`;
}

/** The command that removes a key set where it does not belong. */
export function removeHint(key: string): string {
  return `pulumi config rm ${shellWord(key)}`;
}
