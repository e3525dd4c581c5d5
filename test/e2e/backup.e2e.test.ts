/**
 * Restore drills on a real local lab (Postgres with pgBackRest over TLS, versioned S3, MLflow):
 * log runs A and B, note the time T, log run C, overwrite one of A's artifacts and delete run B,
 * drop the tracking database; restore to T. A and B come back whole, A's artifact byte for
 * byte, and C is gone. The restore is timed for a lab of 10,000 metric points and 100 MiB.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalLab } from "../../localLab/lab";
import { psql } from "../../localLab/postgres";
import { sleep } from "../../localLab/processes";
import { labDatabaseNames } from "../../model/names";
import { E2E_DIR, lastJsonLine, quietLab } from "./labHarness";

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
});
