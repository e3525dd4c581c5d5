/**
 * The local lab supervises what it starts, as systemd does on the VM: kill -9 of each service
 * under a researcher's logging loop, the time to recover, and every acknowledged metric point
 * found in Postgres afterwards. Orphans of the lab are found by process group: a supervisor
 * killed outright leaves workers holding the port, and `up` recovers it; `down` leaves nothing.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalLab } from "../../localLab/lab";
import { psql } from "../../localLab/postgres";
import { groupAlive, portAnswers, sleep, waitFor } from "../../localLab/processes";
import { readRuntime } from "../../localLab/supervisor";
import { labDatabaseNames } from "../../model/names";
import { E2E_DIR, PYTHON, quietLab } from "./labHarness";

let lab: LocalLab;
let client: ChildProcess;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "supervision-"));
const acks = path.join(work, "acks");
const stop = path.join(work, "stop");
const recovery: Record<string, number> = {};

function acknowledged(): number[] {
  return fs.existsSync(acks) ? fs.readFileSync(acks, "utf8").trim().split("\n").filter(Boolean).map((line) => Number(line.split(" ")[0])) : [];
}

function pgidOf(service: "postgres" | "s3" | "mlflow"): number {
  const pgid = readRuntime(lab.paths)?.services[service]?.pgid;
  if (pgid === undefined) throw new Error(`${service} is not running`);
  return pgid;
}

/** kill -9 of a service's leader only (MLflow's workers live on, as orphans would), timed until clients are served again. */
async function killAndTime(service: "postgres" | "s3" | "mlflow", back: () => Promise<boolean>): Promise<number> {
  const before = acknowledged().length;
  process.kill(pgidOf(service), "SIGKILL");
  const killed = Date.now();
  await sleep(500);
  await waitFor(`${service} back`, back, 180_000);
  // Served again means the logging loop moves on, not only that a port answers.
  await waitFor("the logging loop resumes", () => Promise.resolve(acknowledged().length > before + 3), 240_000);
  return (Date.now() - killed) / 1000;
}

beforeAll(async () => {
  lab = quietLab("supervision", "proxied");
  await lab.up();
  const command = `source ${path.join(lab.bundleDir, "mlflow_env.sh")} && exec ${PYTHON} ${path.join(E2E_DIR, "logging_client.py")} ${acks} ${stop}`;
  client = spawn("bash", ["-c", command], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  await waitFor("the logging loop", () => Promise.resolve(acknowledged().length > 5), 120_000);
}, 600_000);

afterAll(async () => {
  fs.writeFileSync(stop, "");
  client?.kill();
  await lab?.down();
  fs.rmSync(work, { recursive: true, force: true });
  console.log(`recovery after kill -9 (s): ${JSON.stringify(recovery)}`);
}, 120_000);

describe("the local lab's supervisor", () => {
  it("restarts MLflow killed -9 (its workers orphaned on the port): the loop loses nothing", async () => {
    recovery.mlflow = await killAndTime("mlflow", () => lab.status());
  }, 400_000);

  it("restarts Postgres killed -9", async () => {
    recovery.postgres = await killAndTime("postgres", () => portAnswers(lab.state().ports.postgres));
  }, 400_000);

  it("restarts the S3 server killed -9, and artifacts go through again", async () => {
    recovery.s3 = await killAndTime("s3", () => portAnswers(lab.state().ports.s3));
    const logged = lab.pythonInBundleEnv("log an artifact", path.join(E2E_DIR, "log_run.py"));
    expect(logged).toContain("run_id");
  }, 400_000);

  it("says what it restarted, and every acknowledged point is in Postgres", async () => {
    expect(await lab.status()).toBe(true);
    const runtime = readRuntime(lab.paths);
    expect(runtime?.restarts).toEqual({ mlflow: 1, postgres: 1, s3: 1 });
    fs.writeFileSync(stop, "");
    await new Promise((resolve) => client.once("exit", resolve));
    const steps = acknowledged();
    const database = labDatabaseNames(lab.name).tracking;
    const sql = "SELECT count(DISTINCT step) FROM metrics WHERE key = 'loss' AND run_uuid IN (SELECT run_uuid FROM runs WHERE name = 'supervision');";
    const stored = Number(psql(lab.paths, lab.state(), "count stored points", `\\connect ${database}\n${sql}`).trim().split("\n").pop());
    expect(steps.length).toBeGreaterThan(20);
    expect(stored).toBeGreaterThanOrEqual(steps.length);
    console.log(`acknowledged points: ${steps.length}, in Postgres: ${stored}, lost: ${Math.max(0, steps.length - stored)}`);
  }, 300_000);

  it("recovers its port from its own orphans when the supervisor itself was killed, and down leaves nothing", async () => {
    const runtime = readRuntime(lab.paths);
    const groups = Object.values(runtime?.services ?? {}).map((service) => service.pgid);
    process.kill(runtime?.supervisorPid ?? 0, "SIGKILL");
    process.kill(pgidOf("mlflow"), "SIGKILL");
    await sleep(1000);
    expect(await portAnswers(lab.state().ports.mlflow)).toBe(true); // the orphaned workers hold it
    expect(await lab.status()).toBe(false);
    await lab.up();
    expect(await lab.status()).toBe(true);
    for (const pgid of groups) expect(groupAlive(pgid), `old group ${pgid}`).toBe(false);
    await lab.down();
    const ports = lab.state().ports;
    for (const port of [ports.postgres, ports.s3, ports.mlflow]) expect(await portAnswers(port), `port ${port}`).toBe(false);
  }, 600_000);
});
