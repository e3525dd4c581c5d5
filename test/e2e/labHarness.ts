/** Brings a local lab up for an end-to-end test file and runs researcher-side commands in it. */
import * as path from "node:path";
import { LocalLab, type LocalLabSummary } from "../../localLab/lab";
import { lastJsonLine, run } from "../../localLab/processes";
import { PYTHON } from "../../localLab/state";

export { PYTHON };
export const E2E_DIR = __dirname;

export function quietLab(name: string, artifactMode: "proxied" | "direct"): LocalLab {
  return new LocalLab({ name, artifactMode, log: () => undefined });
}

/** Runs a command with exactly `env`; throws with its output when it fails. */
export function runOrThrow(command: string, args: string[], env: Record<string, string>): string {
  return run(command, command, args, { env });
}

export { lastJsonLine };

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
  const logged = lastJsonLine<LoggedRun>(lab.pythonInBundleEnv("log_run.py", path.join(E2E_DIR, "log_run.py")));
  return { lab, summary, logged };
}

/** The objects under a prefix of the lab's bucket, read with boto3 straight from the S3 server. */
export function objectsUnder(lab: LocalLab, bucket: string, prefix: string): Record<string, { size: number; sha256: string }> {
  const output = runOrThrow(PYTHON, [path.join(E2E_DIR, "find_object.py"), bucket, prefix], { ...lab.s3Environment(lab.state()), PATH: process.env.PATH ?? "" });
  return lastJsonLine(output);
}
