/**
 * Validation of a lab's stack config, free of Pulumi so it is testable on plain strings. Every
 * key is checked against config/keys.ts before anything is built, and every problem of every
 * kind (shape, presence, contradiction) is reported at once, with the key, the value given
 * (never a credential) and the command that fixes it.
 */
import type { z } from "zod";
import { embedsCredentials } from "../model/fields";
import type { LabConfig } from "../model/labConfig";
import { ADMIN_USERNAME, jobAccountName } from "../model/names";
import { type Problem, ValidationError } from "../model/validation";
import { assemble, type ParsedKeys } from "./assemble";
import { fixHint, removeHint } from "./fixHints";
import { CONFIG_KEYS, CONFIG_NAMESPACE, type ConfigKey, declaredDefaultText, defaultText, isConfigKey, keySpec, type RawConfig, type SecretKey, UNREADABLE_SECRET } from "./keys";

export type { RawConfig, SecretKey };


const KEYS = Object.keys(CONFIG_KEYS) as ConfigKey[];
const SHOWN_CHARACTERS = 80;

/** Keys whose values are never echoed: credentials, and lists where people paste tokens. */
function neverShown(key: ConfigKey): boolean {
  return keySpec(key).secret === true || key === "slurmEnvironment";
}

function shown(key: ConfigKey, given: unknown, encrypted: ReadonlySet<ConfigKey>): string {
  if (given === undefined || neverShown(key) || encrypted.has(key)) return "";
  const text = typeof given === "string" ? given : JSON.stringify(given);
  if (embedsCredentials(text)) return "";
  const clipped = text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}...` : text;
  return ` (given ${JSON.stringify(clipped)})`;
}

function keyProblem(key: string, message: string, fix: string): Problem {
  return { path: `${CONFIG_NAMESPACE}:${key}`, message: `${message}; fix: ${fix}` };
}

/** One problem per zod issue of a key; list items are named by index, values by the rules above. */
function shapeProblems(key: ConfigKey, text: string, error: z.ZodError, encrypted: ReadonlySet<ConfigKey>): Problem[] {
  return error.issues.map((issue) => {
    const index = issue.path.length > 0 ? `entry [${issue.path.map(String).join(".")}] ` : "";
    const item: unknown = issue.path.length > 0 ? issue.input : text;
    const holdsCredential = (issue as { params?: { holdsCredential?: boolean } }).params?.holdsCredential === true;
    return keyProblem(key, `${index}${issue.message}${holdsCredential ? "" : shown(key, item, encrypted)}`, fixHint(key));
  });
}

/**
 * The value set for a key, or undefined when it is not set. The CLI hands every key over, an
 * unset one as its Pulumi.yaml default: that, and "" (the mock runtime's empty), count as unset.
 */
function givenText(raw: RawConfig, key: ConfigKey): string | undefined {
  const text = raw[key];
  return text === undefined || text === "" || text === declaredDefaultText(key) ? undefined : text;
}

/**
 * Validates raw config and builds the typed LabConfig, or throws one ValidationError naming
 * every bad key. `secrets` holds the secret keys stored encrypted (values never inspected);
 * `encrypted` names other keys stored encrypted: checked when readable, never quoted back.
 */
export function buildLabConfig<S>(raw: RawConfig, secrets: Partial<Record<SecretKey, S>>, encrypted: ReadonlySet<ConfigKey> = new Set()): LabConfig<S> {
  const problems: Problem[] = [];
  for (const key of Object.keys(raw)) {
    if (!isConfigKey(key)) problems.push(keyProblem(key, "is not a known key of mlflow-lab; check its spelling against Pulumi.yaml", removeHint(key)));
  }
  const parsed: Partial<Record<ConfigKey, unknown>> = {};
  const isSet = new Set<ConfigKey>();
  for (const key of KEYS) {
    const spec = keySpec(key);
    const text = givenText(raw, key);
    if (spec.secret === true) {
      if (text !== undefined) problems.push(keyProblem(key, "holds a credential but is stored in clear text", fixHint(key)));
      if (secrets[key as SecretKey] !== undefined || text !== undefined) isSet.add(key);
      continue;
    }
    if (text !== undefined) isSet.add(key);
    // Offline, an encrypted value cannot be read: the real engine checks it; the plan shows it masked.
    if (text === UNREADABLE_SECRET && encrypted.has(key)) {
      parsed[key] = spec.type === "string" ? UNREADABLE_SECRET : spec.shape.parse(typeof spec.example === "string" ? spec.example : JSON.stringify(spec.example));
      continue;
    }
    const value = text ?? defaultText(key);
    if (value === undefined) continue;
    const result = spec.shape.safeParse(value);
    if (result.success) parsed[key] = result.data;
    else problems.push(...shapeProblems(key, value, result.error, encrypted));
  }
  problems.push(...presenceProblems(parsed, isSet));
  if (problems.length > 0) throw new ValidationError("stack config", problems);
  return assemble(parsed as ParsedKeys, secrets);
}

/** Required keys, keys that belong to another choice of a mode, and keys that come in pairs. */
function presenceProblems(parsed: Partial<Record<ConfigKey, unknown>>, isSet: ReadonlySet<ConfigKey>): Problem[] {
  const problems: Problem[] = [];
  for (const key of KEYS) {
    const spec = keySpec(key);
    if (spec.required === true && !isSet.has(key)) problems.push(keyProblem(key, "is required", fixHint(key)));
    const when = spec.when;
    if (when === undefined || !isConfigKey(when.key)) continue;
    const mode = parsed[when.key] as string | undefined;
    // A mode key that is itself invalid is reported already; its dependants cannot be judged.
    if (mode === undefined) continue;
    if (mode === when.is && when.required && !isSet.has(key)) {
      problems.push(keyProblem(key, `is required when ${when.key} is ${when.is}`, fixHint(key)));
    } else if (mode !== when.is && isSet.has(key)) {
      problems.push(keyProblem(key, `only applies when ${when.key} is ${when.is} (${when.key} is ${mode}; set ${when.key} to ${when.is} to use it)`, removeHint(key)));
    }
  }
  // pgBackRest, which backs up a database on the VM, reaches the object store over HTTPS only.
  const endpoint = parsed.s3EndpointUrl;
  if (parsed.hosting === "vm" && parsed.databaseMode === "vm" && typeof endpoint === "string" && endpoint.startsWith("http:")) {
    problems.push(keyProblem("s3EndpointUrl", "must be https:// when the database lives on the VM: its backups go to the object store over HTTPS only", fixHint("s3EndpointUrl")));
  }
  // The admin and the job account exist on every lab server already.
  const reserved = [ADMIN_USERNAME, ...(typeof parsed.lab === "string" ? [jobAccountName(parsed.lab)] : [])];
  const taken = Array.isArray(parsed.members) ? (parsed.members as string[]).filter((member) => reserved.includes(member)) : [];
  if (taken.length > 0) {
    problems.push(keyProblem("members", `must not list ${taken.join(", ")}: the admin and the lab-wide job account (named after the lab) are not members`, fixHint("members")));
  }
  const offline = ["offlineSqliteDbPath", "offlineArtifactsPath"] as const;
  const offlineSet = offline.filter((key) => isSet.has(key));
  if (offlineSet.length === 1) {
    const missing = offline.find((key) => !isSet.has(key)) as ConfigKey;
    problems.push(keyProblem(missing, "is required with the other offline* key: set both or neither", fixHint(missing)));
  }
  return problems;
}
