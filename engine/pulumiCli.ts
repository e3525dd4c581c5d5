/**
 * The real Pulumi CLI, for the engine tests: found or built by scripts/engine.sh at the version
 * of @pulumi/pulumi, and the environment that keeps it offline and on a local file backend.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export const REPO_ROOT = path.join(__dirname, "..");

/** The path of the pulumi binary; builds it the first time (about 10 minutes). */
export function pulumiBinary(): string {
  const result = spawnSync("bash", [path.join(REPO_ROOT, "scripts", "engine.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (result.status !== 0) throw new Error("scripts/engine.sh could not find or build the Pulumi CLI");
  return result.stdout.trim().split("\n").pop() ?? "";
}

/**
 * Everything the CLI needs to run here with no network: no update check, no plugin or registry
 * download, a passphrase for secrets, and its state under `home` (PULUMI_BACKEND_URL wins over
 * `pulumi login --local`, which would otherwise use the passwd entry's home, not $HOME).
 */
export function offlineEnvironment(home: string, passphrase: string): Record<string, string> {
  return {
    HOME: home,
    PULUMI_HOME: path.join(home, ".pulumi"),
    PULUMI_BACKEND_URL: `file://${path.join(home, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
    PULUMI_CREDENTIAL_STORE: "plaintext",
  };
}
