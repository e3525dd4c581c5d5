/** Runs `mlflow-lab doctor` on an env file, optionally with extra lines appended to a copy. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../localLab/lab";
import { PYTHON } from "./labHarness";

export interface DoctorResult {
  readonly status: number | null;
  readonly output: string;
}

/** @param home the HOME the checks run with (credential files); default: this process's. */
export function doctor(envFile: string, extraLines: string[] = [], home = process.env.HOME ?? "/tmp"): DoctorResult {
  let file = envFile;
  if (extraLines.length > 0) {
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "doctor-")), "mlflow_env.sh");
    fs.writeFileSync(file, `${fs.readFileSync(envFile, "utf8")}${extraLines.join("\n")}\n`, { mode: 0o600 });
  }
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, "cli", "mlflow-lab.js"), "doctor", "--env", file, "--python", PYTHON], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: home },
  });
  return { status: result.status, output: result.stdout + result.stderr };
}
