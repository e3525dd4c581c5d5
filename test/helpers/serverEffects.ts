/**
 * Measures what changing each config key does to the server VM: the example stack evaluated
 * once as it is and once per key with another valid value (fake computed state, so user data
 * renders whole and both evaluations share the same generated secrets).
 */
import { CONFIG_KEYS, type ConfigKey, type ConfigKeySpec, CONFIG_NAMESPACE, defaultText, keySpec } from "../../config/keys";
import { evaluateProgram, type Evaluation } from "../../engine/mockRuntime";
import { type ServerEffect, serverEffect } from "../../engine/serverEffect";
import { readStackConfig } from "../../io/stackFile";
import { ValidationError } from "../../model/validation";

/** Another value of the same shape: a digit bumped, a character added, an option flipped. */
function candidates(key: ConfigKey, current: string | undefined): string[] {
  const spec = keySpec(key);
  const example = Array.isArray(spec.example) ? JSON.stringify(spec.example) : String(spec.example);
  const base = current ?? defaultText(key) ?? example;
  switch (spec.type) {
    case "boolean":
      return [String(base !== "true")];
    case "integer":
      return [String(Number(base) + 1), String(Number(base) - 1)];
    case "array": {
      const items = JSON.parse(base) as string[];
      const examples = spec.example as readonly string[];
      return [JSON.stringify([...items, ...examples.filter((item) => !items.includes(item))]), JSON.stringify(items.slice(1)), JSON.stringify(examples)];
    }
    case "string": {
      const bump = (pattern: RegExp) => base.replace(pattern, (digit) => String((Number(digit) + 1) % 10));
      const options = ["vm", "existing", "lab-ca", "create", "adopt", "proxied", "direct", "require", "verify-full"];
      return [bump(/\d(?!.*\d)/), bump(/\d(?=\/)/), `${base}x`, `x${base}`, example, ...options];
    }
  }
}

/** A value of the key's shape where the example names a file (PEM) or stands for a credential. */
function standIn(key: ConfigKey, variant: number): string {
  const spec = keySpec(key);
  if (spec.exampleFile?.endsWith(".pem")) return `-----BEGIN ${spec.secret ? "PRIVATE KEY" : "CERTIFICATE"}-----\nstand-in-${variant}\n-----END ${spec.secret ? "PRIVATE KEY" : "CERTIFICATE"}-----\n`;
  return `stand-in-${variant}`;
}

/** The stack switched to one choice of a mode key: that choice's required keys set, other choices' keys left out. */
function choose(modeKey: string, option: string, config: Record<string, string>, secretKeys: string[]) {
  const chosen: Record<string, string> = { ...config, [`${CONFIG_NAMESPACE}:${modeKey}`]: option };
  const secrets = [...secretKeys];
  for (const [other, spec] of Object.entries(CONFIG_KEYS) as [ConfigKey, ConfigKeySpec][]) {
    if (spec.when?.key !== modeKey) continue;
    const name = `${CONFIG_NAMESPACE}:${other}`;
    if (spec.when.is !== option) delete chosen[name];
    else if (spec.when.required && chosen[name] === undefined) {
      chosen[name] = spec.secret || spec.exampleFile ? standIn(other, 0) : String(spec.example);
      if (spec.secret) secrets.push(name);
    }
  }
  return { config: chosen, secretKeys: secrets };
}

/** The example stack under the choice a key belongs to. */
function choiceOf(key: ConfigKey, config: Record<string, string>, secretKeys: string[]) {
  const when = keySpec(key).when;
  return when === undefined || when.key === "hosting" ? { config, secretKeys } : choose(when.key, when.is, config, secretKeys);
}

/** The other options of a key that chooses between groups of keys (hosting, tlsMode, databaseMode). */
function otherChoices(key: ConfigKey, config: Record<string, string>): string[] {
  const isModeKey = Object.values(CONFIG_KEYS).some((spec: ConfigKeySpec) => spec.when?.key === key);
  const options = (keySpec(key).shape as unknown as { options?: string[] }).options;
  if (!isModeKey || options === undefined) return [];
  const current = config[`${CONFIG_NAMESPACE}:${key}`] ?? defaultText(key);
  return options.filter((option) => option !== current);
}

export interface MeasuredEffect {
  readonly key: ConfigKey;
  /** undefined: no other value of this key evaluates on its own (a mode, a file, a secret). */
  readonly effect?: ServerEffect;
  readonly value?: string;
}

export async function measureServerEffects(): Promise<MeasuredEffect[]> {
  const example = readStackConfig("example");
  const measured: MeasuredEffect[] = [];
  // Most keys share the example stack as their starting point: evaluate it once.
  const starts = new Map<string, Promise<Evaluation>>();
  for (const key of Object.keys(CONFIG_KEYS) as ConfigKey[]) {
    const name = `${CONFIG_NAMESPACE}:${key}`;
    const { config, secretKeys } = choiceOf(key, example.config, example.secretKeys);
    const evaluate = (values: Record<string, string>) => evaluateProgram({ stack: "example", config: values, secretKeys: [...secretKeys, ...(keySpec(key).secret ? [name] : [])], computed: "fake" });
    let before: Evaluation;
    try {
      const start = JSON.stringify(config);
      if (!starts.has(start)) starts.set(start, evaluate(config));
      before = await (starts.get(start) as Promise<Evaluation>);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      measured.push({ key });
      continue;
    }
    const values = keySpec(key).secret || keySpec(key).exampleFile ? [standIn(key, 1)] : candidates(key, config[name]);
    let found: MeasuredEffect = { key };
    for (const option of otherChoices(key, config)) {
      const switched = choose(key, option, config, secretKeys);
      const after = await evaluateProgram({ stack: "example", config: switched.config, secretKeys: switched.secretKeys, computed: "fake" });
      found = { key, value: option, effect: serverEffect(before, after) };
    }
    if (found.effect !== undefined) {
      measured.push(found);
      continue;
    }
    for (const value of values) {
      if (value === (config[name] ?? defaultText(key) ?? keySpec(key).example)) continue;
      try {
        const after = await evaluate({ ...config, [name]: value });
        found = { key, value, effect: serverEffect(before, after) };
        break;
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
      }
    }
    measured.push(found);
  }
  return measured;
}
