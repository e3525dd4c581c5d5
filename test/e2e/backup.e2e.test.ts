/**
 * Restore drills on a real local lab (Postgres with pgBackRest over TLS, versioned S3, MLflow):
 * log runs A and B, note the time T, log run C, overwrite one of A's artifacts and delete run B,
 * drop the tracking database; restore to T. A and B come back whole, A's artifact byte for
 * byte, and C is gone. The restore is timed for a lab of 10,000 metric points and 100 MiB.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalLab } from "../../localLab/lab";
import { psql } from "../../localLab/postgres";
import { sleep, waitFor } from "../../localLab/processes";
import { readRuntime, recoverOrphans, startSupervisor, writeDesired } from "../../localLab/supervisor";
import { ARCHIVE_TIMEOUT_SECONDS } from "../../model/backupSpec";
import { labDatabaseNames } from "../../model/names";
import { E2E_DIR, lastJsonLine, PYTHON, quietLab } from "./labHarness";

let lab: LocalLab;
const state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "drill-")), "state.json");
const drill = (step: string) => lab.pythonInBundleEnv(`drill ${step}`, path.join(E2E_DIR, "drill.py"), [step, state]);

/** Postgres' own clock, as pgBackRest's --target reads it. */
function now(): string {
  return psql(lab.paths, lab.state(), "now", "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00';").trim();
}

beforeAll(async () => {
  lab = quietLab("drill", "proxied");
  await lab.destroy();
  await lab.up();
}, 600_000);

afterAll(async () => {
  await lab?.down();
}, 120_000);

describe("a point-in-time restore drill", () => {
  it("lists no backup before the first, then the full backup with its age", () => {
    expect(() => lab.backups()).toThrow(/no backup yet/);
    expect(lab.backup("full")).toMatch(/full backup \S+F done/);
    expect(lab.backups()).toMatch(/last good backup: \S+F, 0\.\d hours ago/);
  }, 600_000);

  it("brings back runs A and B whole, A's artifact byte for byte, and not C", async () => {
    drill("before");
    await sleep(1500);
    const target = now();
    await sleep(1500);
    drill("after");
    const tracking = labDatabaseNames(lab.name).tracking;
    psql(lab.paths, lab.state(), "drop the tracking database", `DROP DATABASE ${tracking} WITH (FORCE);`);

    expect(() => lab.restore(target)).toThrow(/the server is running/);
    const began = Date.now();
    const output = lab.restore(target, true);
    const seconds = (Date.now() - began) / 1000;
    expect(output).toMatch(/mlflow-restore-artifacts: [1-9]\d* restored, [1-9]\d* removed/);

    const report = lastJsonLine<{ runs: Record<string, boolean>; points: number; artifact: boolean; c_absent: boolean }>(drill("check"));
    expect(Object.values(report.runs)).toEqual([true, true]);
    expect(report.points).toBe(10_000);
    expect(report.artifact).toBe(true);
    expect(report.c_absent).toBe(true);
    console.log(`restore drill: 10,000 metric points and 100 MiB of artifacts back at the target in ${seconds.toFixed(1)} s; nothing committed before the target lost`);
  }, 900_000);

  it("when the disk is lost, restores to the end of the archive: the RPO, measured under a logging loop", async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "rpo-"));
    const acks = path.join(work, "acks");
    const stop = path.join(work, "stop");
    const command = `source ${path.join(lab.bundleDir, "mlflow_env.sh")} && exec ${PYTHON} ${path.join(E2E_DIR, "logging_client.py")} ${acks} ${stop}`;
    const client = spawn("bash", ["-c", command], { stdio: "ignore", env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    const acknowledged = () => (fs.existsSync(acks) ? fs.readFileSync(acks, "utf8").trim().split("\n").filter(Boolean).length : 0);
    await waitFor("the logging loop", () => Promise.resolve(acknowledged() > 50), 180_000);
    // Longer than archive_timeout, so that the archive holds the loop's start and not its end.
    await sleep((ARCHIVE_TIMEOUT_SECONDS + 30) * 1000);
    // The server dies with its disk: supervisor, Postgres and MLflow at once, no clean shutdown.
    const runtime = readRuntime(lab.paths);
    if (!runtime) throw new Error("the lab is not supervised");
    fs.writeFileSync(stop, "");
    const killedAt = Date.now() / 1000;
    process.kill(runtime.supervisorPid, "SIGKILL");
    for (const service of ["postgres", "mlflow"] as const) process.kill(-(runtime.services[service]?.pgid ?? 0), "SIGKILL");
    // The job dies with the server (its retries would wait minutes): what it counted is in the ack file.
    const exited = new Promise((resolve) => client.once("exit", resolve));
    client.kill("SIGKILL");
    await exited;
    for (const entry of fs.readdirSync(lab.paths.postgres.data)) fs.rmSync(path.join(lab.paths.postgres.data, entry), { recursive: true, force: true });
    // A new machine: the object store is there, the database and the server are not.
    await recoverOrphans(lab.paths);
    writeDesired(lab.paths, { s3: "1", s3tls: "1" });
    await startSupervisor(lab.paths, lab.name);
    const sent = acknowledged();
    const began = Date.now();
    lab.restore("latest", true);
    const seconds = (Date.now() - began) / 1000;
    const tracking = labDatabaseNames(lab.name).tracking;
    const stored = Number(psql(lab.paths, lab.state(), "count", `\\connect ${tracking}\nSELECT count(DISTINCT step) FROM metrics WHERE run_uuid IN (SELECT run_uuid FROM runs WHERE name = 'supervision');`).trim().split("\n").pop());
    const lost = sent - stored;
    console.log(`disk lost: ${sent} acknowledged points, ${stored} after restoring to the end of the archive (${lost} lost, the last seconds before the archive_timeout of ${ARCHIVE_TIMEOUT_SECONDS} s); restore ${seconds.toFixed(1)} s`);
    expect(stored).toBeGreaterThan(0);
    // What is lost is bounded by the WAL not yet archived: what was logged in the last archive_timeout (and a margin).
    const recent = fs.readFileSync(acks, "utf8").trim().split("\n").filter((line) => Number(line.split(" ")[1]) > killedAt - ARCHIVE_TIMEOUT_SECONDS - 10).length;
    expect(lost).toBeLessThanOrEqual(recent);
  }, 900_000);
});
