/** `mlflow-lab doctor`: sources an env file in a subshell and runs cli/doctor.py under it. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { quoteForBash } from "../../templates/shell";
import { UsageError } from "../../io/errors";

export function runDoctor(envFile: string, python: string): number {
  if (!fs.existsSync(envFile)) throw new UsageError(`no env file at ${envFile}; pass --env path/to/mlflow_env.sh`);
  const script = path.join(__dirname, "..", "doctor.py");
  const command = `source ${quoteForBash(path.resolve(envFile))} && exec ${quoteForBash(python)} ${quoteForBash(script)}`;
  const result = spawnSync("bash", ["-c", command], { stdio: "inherit" });
  if (result.error) throw new UsageError(`cannot run ${python}: ${result.error.message}`);
  return result.status ?? 1;
}

export function doctorCommand(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { env: { type: "string", default: "mlflow_env.sh" }, python: { type: "string", default: "python3" } }, strict: true });
  return runDoctor(values.env, values.python);
}
