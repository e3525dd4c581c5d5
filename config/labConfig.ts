/** Reads a lab's stack config once, through buildLabConfig's validation. */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, CONFIG_NAMESPACE, type ConfigKey } from "./keys";
import { buildLabConfig, type LabConfig, type PlainKey, type RawConfig, type SecretKey } from "./schema";

export type { LabConfig };

function isSecretKey(key: ConfigKey): key is SecretKey {
  return "secret" in CONFIG_KEYS[key];
}

/** Reads every declared key; throws one ValidationError naming every bad key before any resource exists. */
export function loadLabConfig(): LabConfig<pulumi.Output<string>> {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const raw: RawConfig = {};
  const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  // Every key of our namespace, so a misspelt key is reported instead of silently ignored.
  const setKeys = Object.keys(pulumi.runtime.allConfig())
    .filter((fullKey) => fullKey.startsWith(prefix))
    .map((fullKey) => fullKey.slice(prefix.length));
  for (const key of setKeys) {
    if (key in CONFIG_KEYS && isSecretKey(key as ConfigKey)) {
      secrets[key as SecretKey] = config.requireSecret(key);
    } else {
      raw[key as PlainKey] = config.require(key);
    }
  }
  return buildLabConfig(raw, secrets);
}
