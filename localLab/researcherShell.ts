/** Runs researcher-side code as a researcher would: a clean shell that sources the bundle's env. */
import * as path from "node:path";
import { BUNDLE_FILES } from "../model/names";
import { quoteForBash } from "../templates/shell";
import { run } from "./processes";
import { PYTHON } from "./state";

/** `env` adds what the caller needs beside the bundle's variables; nothing else of ours leaks in. */
export function pythonInBundleEnv(bundleDir: string, what: string, script: string, args: readonly string[] = [], env: Record<string, string> = {}): string {
  const command = [
    "set -euo pipefail",
    `source ${quoteForBash(path.join(bundleDir, BUNDLE_FILES.env))}`,
    `exec ${[PYTHON, script, ...args].map(quoteForBash).join(" ")}`,
  ].join("; ");
  return run(what, "bash", ["-c", command], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env } });
}
