/** Brings a local lab up for an end-to-end test file and runs researcher-side commands in it. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { LocalLab, REPO_ROOT } from "../../scripts/localLab";
import { quoteForBash } from "../../templates/shell";

export const PYTHON = path.join(REPO_ROOT, ".venv", "bin", "python");
export const E2E_DIR = __dirname;

export function quietLab(name: string, artifactMode: "proxied" | "direct"): LocalLab {
  return new LocalLab({ name, artifactMode, log: () => undefined });
}

/** Runs a Python script after `source <bundle>/mlflow_env.sh`, in a clean environment. */
export function pythonWithBundleEnv(bundleDir: string, script: string, args: string[] = []): string {
  const command = [
    "set -euo pipefail",
    `source ${quoteForBash(path.join(bundleDir, "mlflow_env.sh"))}`,
    `exec ${[PYTHON, path.join(E2E_DIR, script), ...args].map(quoteForBash).join(" ")}`,
  ].join("; ");
  return runOrThrow("bash", ["-c", command], { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" });
}

export function runOrThrow(command: string, args: string[], env: Record<string, string>): string {
  const result = spawnSync(command, args, { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** The last line of stdout as JSON (MLflow may log above it). */
export function lastJsonLine<T>(output: string): T {
  const lines = output.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as T;
}
