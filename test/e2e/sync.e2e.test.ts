/**
 * Offline runs brought to the lab: a training job writes runs with only mlflow_env.offline.sh
 * (sqlite and a local folder, as on a compute node without network), then `mlflow-lab sync`
 * imports them into a real local lab through its bundle. Compared run by run; a second sync
 * imports nothing; a sync killed halfway and run again ends complete, without duplicates.
 */
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalLab } from "../../localLab/lab";
import { REPO_ROOT } from "../../localLab/lab";
import { quoteForBash } from "../../templates/shell";
import { E2E_DIR, lastJsonLine, PYTHON, quietLab } from "./labHarness";

let lab: LocalLab;
const CLI = path.join(REPO_ROOT, "cli", "mlflow-lab.js");
const cleanEnv = () => ({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" });

/** Runs a python script with one of the bundle's env files sourced. */
function inEnv(envFiles: string[], script: string, args: string[] = [], extra = ""): string {
  const sources = envFiles.map((file) => `source ${quoteForBash(path.join(lab.bundleDir, file))}`).join(" && ");
  const command = `${sources} && ${extra}exec ${PYTHON} ${quoteForBash(path.join(E2E_DIR, script))} ${args.map(quoteForBash).join(" ")}`;
  const result = spawnSync("bash", ["-c", command], { encoding: "utf8", env: cleanEnv() });
  if (result.status !== 0) throw new Error(`${script} failed: ${result.stderr.slice(-2000)}`);
  return result.stdout;
}

function sync() {
  const result = spawnSync(process.execPath, [CLI, "sync", "--bundle", lab.bundleDir, "--python", PYTHON], { encoding: "utf8", env: cleanEnv() });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Comparison {
  readonly runs: number;
  readonly imports: number;
  readonly differences: string[];
}
const compare = () =>
  lastJsonLine<Comparison>(inEnv(["mlflow_env.offline.sh"], "sync_compare.py", [], `export MLFLOW_LAB_SYNC_SOURCE="$MLFLOW_TRACKING_URI" && source ${quoteForBash(path.join(lab.bundleDir, "mlflow_env.sh"))} && `));

describe("mlflow-lab sync: offline runs into the lab server", () => {
  beforeAll(async () => {
    lab = quietLab("e2e-sync", "proxied");
    // A fresh lab and offline store (the lab's own, under .lab/e2e-sync/offline).
    await lab.destroy();
    await lab.up();
    inEnv(["mlflow_env.offline.sh"], "offline_training.py");
  }, 900_000);

  afterAll(async () => {
    await lab?.down();
  }, 120_000);

  it("imports every run: names, status, times, params, tags, nested runs, full metric histories, artifacts byte for byte", () => {
    const result = sync();
    expect(result.stderr).toContain("[sync] 8/8");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/imported 8 runs \(\d+ params, 12002 metric points, 16 artifact files, \d+ bytes\), skipped 0/);
    for (const secret of [lab.state().secrets.researcherPassword, lab.state().secrets.adminPassword]) expect(result.stdout + result.stderr).not.toContain(secret);
    console.log(result.stdout.trim().split("\n").pop());
    expect(compare()).toEqual({ runs: 8, imports: 8, differences: [] });
  }, 600_000);

  it("imports nothing the second time", () => {
    const result = sync();
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("imported 0 runs (0 params, 0 metric points, 0 artifact files, 0 bytes), skipped 8 already on the server");
    expect(compare()).toEqual({ runs: 8, imports: 8, differences: [] });
  }, 600_000);

  it("killed halfway, runs again to a complete import without duplicates", async () => {
    inEnv(["mlflow_env.offline.sh"], "offline_training.py", ["glaciers", "tides"]);
    const child = spawn(process.execPath, [CLI, "sync", "--bundle", lab.bundleDir, "--python", PYTHON], { env: cleanEnv(), stdio: ["ignore", "ignore", "pipe"], detached: true });
    // Kill the whole process group (node and python) as soon as the first new run is in: the next is mid-import.
    await new Promise<void>((resolve) => {
      let seen = "";
      child.stderr.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (/\[sync\] \d+\/16 (glaciers|tides)\//.test(seen)) {
          process.kill(-(child.pid ?? 0), "SIGKILL");
          resolve();
        }
      });
      child.once("exit", () => resolve());
    });
    const partial = compare();
    expect(partial.runs).toBeLessThan(16);
    const result = sync();
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/skipped (9|1\d) already on the server/);
    expect(compare()).toEqual({ runs: 16, imports: 16, differences: [] });
  }, 600_000);
});
