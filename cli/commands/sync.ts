/**
 * `mlflow-lab sync [--bundle DIR] [--python PATH]`: imports the runs of the offline store
 * (mlflow_env.offline.sh) into the lab server (mlflow_env.sh), with cli/sync.py.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../../io/errors";
import { BUNDLE_FILES } from "../../model/names";
import { quoteForBash } from "../../templates/shell";
import { defaultPython } from "./doctor";

export function syncCommand(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { bundle: { type: "string", default: "." }, python: { type: "string" } }, strict: true });
  const bundle = path.resolve(values.bundle);
  const online = path.join(bundle, BUNDLE_FILES.env);
  const offline = path.join(bundle, BUNDLE_FILES.offlineEnv);
  for (const file of [online, offline]) {
    if (!fs.existsSync(file)) throw new UsageError(`no ${path.basename(file)} in ${bundle}; pass --bundle with your lab bundle (the lab needs offlineSqliteDbPath for offline runs)`);
  }
  const python = values.python ?? defaultPython();
  const script = path.join(__dirname, "..", "sync.py");
  // The offline file names the store and clears the server's variables; the online one sets them again.
  const command = [
    `source ${quoteForBash(offline)}`,
    'export MLFLOW_LAB_SYNC_SOURCE="$MLFLOW_TRACKING_URI"',
    `source ${quoteForBash(online)}`,
    `exec ${quoteForBash(python)} ${quoteForBash(script)}`,
  ].join(" && ");
  const result = spawnSync("bash", ["-c", command], { stdio: "inherit" });
  if (result.error) throw new UsageError(`cannot run ${python}: ${result.error.message}`);
  return result.status ?? 1;
}
