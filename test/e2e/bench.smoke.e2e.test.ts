import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../localLab/lab";

/** Runs a benchmark script of bench/ with --smoke, as npm would. */
function smokeRun(script: string) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), path.join(REPO_ROOT, "bench", script), "--smoke"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 900_000 });
}

// The benchmark's own code, on tiny K, time and sizes: it must keep running, not be fast here.
describe("npm run bench -- --smoke", () => {
  it("measures every target and writes every figure as a number; no logged point is lost", () => {
    const result = smokeRun("bench.ts");
    expect(result.stderr).not.toMatch(/\[bench\] .*failed/);
    expect(result.status, result.stderr.slice(-3000)).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "bench", "results.smoke.json"), "utf8")) as Record<string, any>;
    for (const figure of [results.p1.k2.ratioVsHandmade, results.p1.k2.lab.spread, results.p1.k2.ratioVsSqlite, results.p1.k2.ratioVsCeiling, results.p3.perLabRatio2to1]) {
      expect(typeof figure).toBe("number");
      expect(Number.isFinite(figure)).toBe(true);
    }
    for (const target of ["lab", "handmade", "sqlite", "ceiling"]) {
      expect(results.p1.k2[target].batchesPerSecond).toBeGreaterThan(0);
      expect(results.p1.k2[target].rows).toBe(results.p1.k2[target].expectedRows - results.p1.k2[target].lostRows);
    }
    expect(results.p1.k2.lostRows).toBe(0);
    // Every artifact shape in both modes, and each multipart trial: uploaded, with a ratio.
    const uploads = [...Object.values(results.p2.direct), ...Object.values(results.p2.proxied), ...results.p2.multipart] as { ratio: number; mlflowSeconds: number }[];
    expect(Object.keys(results.p2.proxied)).toEqual(["file1MiB", "folder5x4KiB"]);
    expect(results.p2.multipart).toHaveLength(2);
    for (const upload of uploads) expect(upload.ratio > 0 && Number.isFinite(upload.ratio) && upload.mlflowSeconds > 0).toBe(true);
    expect(result.stdout).toContain("P1 tracking writes");

    // P4 on 20 steps: its figures mean nothing here, but every point a job logged must arrive,
    // also from a job terminated with SIGTERM (the flush the README documents).
    const { p4 } = results;
    for (const k of ["k1", "k2"]) {
      for (const logging of ["mlflowDefaults", "labEnv"]) {
        expect(p4.byK[k][logging].pointsExpected).toBeGreaterThan(0);
        expect(p4.byK[k][logging].pointsLost, `${k} ${logging}`).toBe(0);
      }
      expect(Number.isFinite(p4.byK[k].labEnvOverhead)).toBe(true);
    }
    // The flush the bundle README documents, and MLflow's synchronous default, lose nothing.
    for (const drill of ["labEnvWithHandler", "mlflowDefaultsDefaultSigterm"]) {
      expect(p4.sigterm[drill].stepsLogged, drill).toBeGreaterThan(0);
      expect(p4.sigterm[drill].pointsLost, drill).toBe(0);
    }
    expect(p4.lostPoints).toBe(0);
    expect(Number.isFinite(p4.overhead)).toBe(true);
  }, 960_000);
});
