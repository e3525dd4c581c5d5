/** Reads a lab's stack config once, through buildLabConfig's validation. */
import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../model/labConfig";
import { CONFIG_NAMESPACE, type ConfigKey, isConfigKey, isSecretKey } from "./keys";
import { buildLabConfig, type RawConfig, type SecretKey } from "./schema";

/** Pulumi knows which keys were stored encrypted but keeps the question @internal; this is its one use. */
function storedEncrypted(fullKey: string): boolean {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  return runtime.isConfigSecret?.(fullKey) ?? false;
}

/**
 * Reads every key of the mlflow-lab namespace (a misspelt key is reported, not ignored) and
 * validates them all at once; throws one ValidationError naming every bad key, before any
 * resource exists.
 */
export function loadLabConfig(): LabConfig<pulumi.Output<string>> {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const raw: RawConfig = {};
  const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  const encrypted = new Set<ConfigKey>();
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if (isConfigKey(key) && isSecretKey(key) && storedEncrypted(fullKey)) {
      if (value !== "") secrets[key as SecretKey] = config.requireSecret(key);
      continue;
    }
    if (isConfigKey(key) && storedEncrypted(fullKey)) encrypted.add(key);
    // A credential stored in clear lands here too, and buildLabConfig refuses it.
    (raw as Record<string, string>)[key] = value;
  }
  return buildLabConfig(raw, secrets, encrypted);
}
