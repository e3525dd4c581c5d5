/**
 * Safe upgrades on a real local lab, through the same mlflow-upgrade the VM's bootstrap runs:
 * a lab created at the previous MLflow release with data, upgraded to the pinned one, keeps
 * every run; a migration forced to fail rolls back to the pre-upgrade backup, and the old
 * server serves again.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalLab } from "../../localLab/lab";
import { psql } from "../../localLab/postgres";
import { labDatabaseNames } from "../../model/names";
import { MLFLOW_PREVIOUS_VERSION, MLFLOW_VERSION } from "../../model/versions";
import { E2E_DIR, lastJsonLine } from "./labHarness";

const state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "upgrade-")), "state.json");
const labs: LocalLab[] = [];

function lab(name: string, mlflowVersion: string): LocalLab {
  const made = new LocalLab({ name, artifactMode: "proxied", mlflowVersion, log: () => undefined });
  labs.push(made);
  return made;
}

/** The version the server reports, asked as the lab's admin. */
async function versionOf(at: LocalLab): Promise<string> {
  const login = Buffer.from(`admin:${at.state().secrets.adminPassword}`).toString("base64");
  const response = await fetch(`${at.trackingUri()}/version`, { headers: { Authorization: `Basic ${login}` } });
  return (await response.text()).trim();
}

afterAll(async () => {
  for (const made of labs) await made.down();
}, 180_000);

describe("mlflow-upgrade", () => {
  it(`upgrades a lab made at ${MLFLOW_PREVIOUS_VERSION} to ${MLFLOW_VERSION}, every run kept`, async () => {
    const old = lab("upgrade", MLFLOW_PREVIOUS_VERSION);
    await old.destroy();
    await old.up();
    expect(await versionOf(old)).toBe(MLFLOW_PREVIOUS_VERSION);
    old.pythonInBundleEnv("runs before the upgrade", path.join(E2E_DIR, "drill.py"), ["before", state], { DRILL_ARTIFACT_MIB: "1" });

    const upgraded = lab("upgrade", MLFLOW_VERSION);
    await upgraded.up();
    expect(await versionOf(upgraded)).toBe(MLFLOW_VERSION);
    expect(upgraded.backups()).toMatch(/F\s+full/);
    fs.writeFileSync(state, JSON.stringify({ ...JSON.parse(fs.readFileSync(state, "utf8")), C: "0".repeat(32) }));
    const report = lastJsonLine<{ runs: Record<string, boolean>; artifact: boolean }>(upgraded.pythonInBundleEnv("check", path.join(E2E_DIR, "drill.py"), ["check", state]));
    expect(Object.values(report.runs)).toEqual([true, true]);
    expect(report.artifact).toBe(true);
  }, 1_200_000);

  it("rolls back a migration forced to fail: the old server serves the lab as before", async () => {
    const old = lab("rollback", MLFLOW_PREVIOUS_VERSION);
    await old.destroy();
    await old.up();
    old.pythonInBundleEnv("runs before the upgrade", path.join(E2E_DIR, "drill.py"), ["before", state], { DRILL_ARTIFACT_MIB: "1" });
    // What an aborted earlier attempt could leave: a table the new release's migration creates.
    const tracking = labDatabaseNames(old.name).tracking;
    psql(old.paths, old.state(), "plant a conflicting table", `\\connect ${tracking}\nCREATE TABLE scheduler_leases (lease_key text PRIMARY KEY);`);

    const failing = lab("rollback", MLFLOW_VERSION);
    await expect(failing.up()).rejects.toThrow(/rolled back: MLflow \S+ serves the lab as before; the upgrade to \S+ failed \(the database migrations failed\)/);
    expect(await versionOf(old)).toBe(MLFLOW_PREVIOUS_VERSION);
    fs.writeFileSync(state, JSON.stringify({ ...JSON.parse(fs.readFileSync(state, "utf8")), C: "0".repeat(32) }));
    const report = lastJsonLine<{ runs: Record<string, boolean> }>(old.pythonInBundleEnv("check", path.join(E2E_DIR, "drill.py"), ["check", state]));
    expect(Object.values(report.runs)).toEqual([true, true]);
  }, 1_200_000);
});
