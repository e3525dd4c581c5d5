/** `mlflow-lab doctor`: sources an env file in a subshell and runs cli/doctor.py under it. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../../io/errors";
import { quoteForBash } from "../../templates/shell";

const PROJECT_PYTHON = path.join(__dirname, "..", "..", ".venv", "bin", "python");

function hasMlflow(python: string): boolean {
  return spawnSync(python, ["-c", "import mlflow"], { stdio: "ignore" }).status === 0;
}

/**
 * The interpreter to check with: the one given, else python3 when it has MLflow, else this
 * project's own venv (what the local lab's bundle runs with), else python3 (which then fails
 * the client check with its fix).
 */
export function defaultPython(): string {
  if (hasMlflow("python3")) return "python3";
  if (fs.existsSync(PROJECT_PYTHON) && hasMlflow(PROJECT_PYTHON)) return PROJECT_PYTHON;
  return "python3";
}

export function runDoctor(envFile: string, python: string): number {
  if (!fs.existsSync(envFile)) throw new UsageError(`no env file at ${envFile}; pass --env path/to/mlflow_env.sh`);
  const script = path.join(__dirname, "..", "doctor.py");
  const command = `source ${quoteForBash(path.resolve(envFile))} && exec ${quoteForBash(python)} ${quoteForBash(script)}`;
  const result = spawnSync("bash", ["-c", command], { stdio: "inherit" });
  if (result.error) throw new UsageError(`cannot run ${python}: ${result.error.message}`);
  return result.status ?? 1;
}

export function doctorCommand(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { env: { type: "string", default: "mlflow_env.sh" }, python: { type: "string" } }, strict: true });
  return runDoctor(values.env, values.python ?? defaultPython());
}
