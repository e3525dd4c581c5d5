/** Brings a local lab up for an end-to-end test file and runs researcher-side commands in it. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { LocalLab, type LocalLabSummary, REPO_ROOT } from "../../scripts/localLab";
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

/** What log_run.py reports of the run it logged. */
export interface LoggedRun {
  readonly run_id: string;
  readonly experiment_id: string;
  readonly artifact_uri: string;
  readonly sha256: string;
  readonly size: number;
}

/** Brings a lab up and logs one run through its bundle, as a researcher would. */
export async function labWithLoggedRun(name: string, artifactMode: "proxied" | "direct"): Promise<{ lab: LocalLab; summary: LocalLabSummary; logged: LoggedRun }> {
  const lab = quietLab(name, artifactMode);
  const summary = await lab.up();
  const logged = lastJsonLine<LoggedRun>(pythonWithBundleEnv(summary.bundleDir, "log_run.py"));
  return { lab, summary, logged };
}

/** The objects under a prefix of the lab's bucket, read with boto3 straight from the S3 server. */
export function objectsUnder(lab: LocalLab, bucket: string, prefix: string): Record<string, { size: number; sha256: string }> {
  const output = runOrThrow(PYTHON, [path.join(E2E_DIR, "find_object.py"), bucket, prefix], { ...lab.s3Environment(lab.state()), PATH: process.env.PATH ?? "" });
  return lastJsonLine(output);
}
