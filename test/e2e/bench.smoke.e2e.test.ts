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
  it("measures every target and writes every figure as a number", () => {
    const result = smokeRun("bench.ts");
    expect(result.stderr).not.toMatch(/\[bench\] .*failed/);
    expect(result.status, result.stderr.slice(-3000)).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "bench", "results.smoke.json"), "utf8")) as Record<string, any>;
    for (const figure of [results.p1.k2.ratioVsHandmade, results.p1.k2.lab.spread, results.p1.k2.ratioVsBaseline, results.p1.k2.ratioVsCeiling, results.p2.directRatio, results.p2.proxiedRatio, results.p3.perLabRatio2to1]) {
      expect(typeof figure).toBe("number");
      expect(Number.isFinite(figure)).toBe(true);
    }
    for (const target of ["lab", "handmade", "baseline", "ceiling"]) {
      expect(results.p1.k2[target].batchesPerSecond).toBeGreaterThan(0);
      expect(results.p1.k2[target].rows).toBe(results.p1.k2[target].expectedRows - results.p1.k2[target].lostRows);
    }
    expect(results.p1.k2.lostRows).toBe(0);
    expect(result.stdout).toContain("P1 tracking writes");
  }, 960_000);
});

// The training-loop benchmark on 20 steps: its figures mean nothing here, but every point a job
// logged must arrive, also from a job terminated with SIGTERM (the flush the README documents).
describe("npm run bench:p4 -- --smoke", () => {
  it("counts every logged point in Postgres, and a job terminated with SIGTERM loses none", () => {
    const result = smokeRun("p4.ts");
    expect(result.status, result.stderr.slice(-2000)).toBe(0);
    const results = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "bench", "results.p4.smoke.json"), "utf8")) as Record<string, any>;
    for (const k of ["k1", "k2"]) {
      for (const logging of ["sync", "async"]) {
        expect(results.p4[k][logging].pointsExpected).toBeGreaterThan(0);
        expect(results.p4[k][logging].pointsLost, `${k} ${logging}`).toBe(0);
      }
      expect(Number.isFinite(results.p4[k].asyncOverhead)).toBe(true);
    }
    expect(results.sigterm.withHandler.stepsLogged).toBeGreaterThan(0);
    expect(results.sigterm.withHandler.pointsLost).toBe(0);
  }, 960_000);
});
