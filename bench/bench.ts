/**
 * `npm run bench [-- --quick|--smoke]`: P1 tracking writes (the lab server vs the seeds'
 * hand-made remote server on the same Postgres and S3, vs the seeds' sqlite server, vs MLflow's
 * store in-process; each point over repeated windows, their spread printed), P2 artifact throughput (direct and proxied vs raw
 * boto3), P3 program evaluation time. Every ratio is measured in this one run, on loopback.
 * Writes bench/results.json (bench/results.smoke.json for --smoke) and prints a table.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { evaluateProgram } from "../engine/mockRuntime";
import { LocalLab, REPO_ROOT } from "../localLab/lab";
import { PYTHON } from "../localLab/state";
import { type ArtifactShape, artifactSummary, measureMultipart, measureShapes, type MultipartTrial, multipartTrials, printArtifacts, shapeName } from "./artifacts";
import { trackingDatabase } from "./trackingDatabase";
import { measureP4, printP4, type TrainingLoopShape } from "./trainingLoop";
import { freePort, isAlive, lastJsonLine, mlflowHealthy, run, startDetached, stopGroup, waitFor } from "../localLab/processes";
import { log } from "./progress";
import { readStackConfig } from "../io/stackFile";
import { createLabDatabases } from "../localLab/postgres";

const BENCH = path.join(REPO_ROOT, "bench");

interface Profile {
  readonly name: "full" | "quick" | "smoke";
  /**
   * P1 window per K. 20 s windows disagreed by up to 34 % at K = 32 (32 client processes share 2
   * cores with the servers) and by 12-26 % at K = 1 and 8 (2026-12-02), so the full run uses 45 s.
   */
  readonly secondsAtK: Readonly<Record<number, number>>;
  /** Windows per P1 point: their spread says whether the window is long enough. */
  readonly repeats: number;
  /** Uploads per P2 shape and mode; the medians are reported. */
  readonly artifactRepeats: number;
  /** P2: what is uploaded through each lab's env, and the proxied multipart sweep. */
  readonly artifacts: readonly ArtifactShape[];
  readonly multipart: readonly MultipartTrial[];
  /** P4, on the proxied lab once P1's other servers are stopped. */
  readonly trainingLoop: TrainingLoopShape;
  readonly labCounts: readonly number[];
}

const PROFILES: Record<Profile["name"], Profile> = {
  full: {
    name: "full", secondsAtK: { 1: 45, 8: 45, 32: 45 }, repeats: 2, artifactRepeats: 3, labCounts: [1, 10, 50],
    artifacts: [{ shape: "file", mib: 256 }, { shape: "file", mib: 64 }, { shape: "folder", files: 2000, kib: 16 }],
    multipart: multipartTrials([16, 64, 256], [8, 16, 32]),
    trainingLoop: { steps: 300, stepSeconds: 0.05, concurrencies: [1, 16] },
  },
  quick: {
    name: "quick", secondsAtK: { 1: 4, 8: 4, 32: 8 }, repeats: 2, artifactRepeats: 1, labCounts: [1, 10, 50],
    artifacts: [{ shape: "file", mib: 64 }, { shape: "folder", files: 200, kib: 16 }],
    multipart: multipartTrials([64], [8, 32]),
    trainingLoop: { steps: 100, stepSeconds: 0.05, concurrencies: [1, 4] },
  },
  smoke: {
    name: "smoke", secondsAtK: { 1: 2, 2: 2 }, repeats: 1, artifactRepeats: 1, labCounts: [1, 2],
    artifacts: [{ shape: "file", mib: 1 }, { shape: "folder", files: 5, kib: 4 }],
    multipart: multipartTrials([12], [5]),
    trainingLoop: { steps: 20, stepSeconds: 0.05, concurrencies: [1, 2] },
  },
};

interface P1Figures {
  target: string;
  k: number;
  batchesPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  failed: number;
  rows: number;
  expectedRows: number;
  lostRows: number;
  errors: Record<string, number>;
  /** (max - min) / mean of batches/s over the repeated windows. */
  spread: number;
}

const p1Ks = (profile: Profile) => Object.keys(profile.secondsAtK).map(Number);

const P1_TARGETS = ["lab", "handmade", "sqlite", "ceiling"] as const;

function python(what: string, args: string[], env: Record<string, string>): string {
  return run(what, PYTHON, args, { env: { ...process.env, ...env } });
}

/**
 * The seeds install MLflow alone, without uvloop, which our venv (shared with the lab server)
 * holds: uvicorn reads its options from UVICORN_* variables, so this gives their servers the
 * event loop they would have, flags unchanged.
 */
const SEEDS_EVENT_LOOP = { UVICORN_LOOP: "asyncio" };

/** The seeds' setup: `mlflow server` with a sqlite store and local artifacts, default flags. */
async function startSqliteServer(): Promise<{ uri: string; dbPath: string; stop: () => Promise<void> }> {
  const dir = path.join(REPO_ROOT, ".lab", "bench-sqlite");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const dbPath = path.join(dir, "mlflow.db");
  const pid = startDetached(path.join(REPO_ROOT, ".venv", "bin", "mlflow"), ["server", "--backend-store-uri", `sqlite:///${dbPath}`, "--default-artifact-root", path.join(dir, "artifacts"), "--port", String(port)], path.join(dir, "mlflow.log"), { env: { ...process.env, ...SEEDS_EVENT_LOOP } });
  const uri = `http://127.0.0.1:${port}`;
  await waitFor("sqlite mlflow", () => mlflowHealthy(uri), 300_000, () => !isAlive(pid)).catch(async (error: unknown) => {
    await stopGroup(pid);
    throw error;
  });
  return { uri, dbPath, stop: () => stopGroup(pid) };
}

/**
 * The seeds' hand-made remote server (ClimatExML's option 1): `mlflow server` on the same
 * Postgres and S3 server, no auth, default flags. Its store URI goes by environment, not argv.
 */
async function startHandmade(lab: LocalLab): Promise<{ uri: string; pgDsn: string; stop: () => Promise<void> }> {
  const state = lab.state();
  createLabDatabases(lab.paths, state, "handmade");
  const database = trackingDatabase(lab, "handmade");
  const port = await freePort();
  const logFile = path.join(lab.root, "handmade-mlflow.log");
  const env = { ...process.env, ...lab.s3Environment(state), ...SEEDS_EVENT_LOOP, MLFLOW_BACKEND_STORE_URI: database.storeUri };
  const pid = startDetached(path.join(REPO_ROOT, ".venv", "bin", "mlflow"), ["server", "--default-artifact-root", `s3://${lab.bucket}/handmade`, "--port", String(port)], logFile, { env });
  const uri = `http://127.0.0.1:${port}`;
  // Four workers start slowly on a loaded machine; one that never answers is not left running.
  await waitFor("hand-made mlflow", () => mlflowHealthy(uri), 300_000, () => !isAlive(pid)).catch(async (error: unknown) => {
    await stopGroup(pid);
    throw error;
  });
  return { uri, pgDsn: database.dsn, stop: () => stopGroup(pid) };
}

/** A P1 point measured `repeats` times: batches/s averaged, the rest from the last window. */
function measureP1Point(profile: Profile, target: { name: string; mode: string; uri?: string; db: Record<string, string>; env: Record<string, string> }, k: number): P1Figures {
  const windows: P1Figures[] = [];
  const seconds = profile.secondsAtK[k];
  for (let repeat = 0; repeat < profile.repeats; repeat++) {
    log(`P1 K=${k} ${target.name}: ${seconds} s of log_batch(100 metrics), window ${repeat + 1}/${profile.repeats}`);
    const spec = { name: target.name, mode: target.mode, uri: target.uri, db: target.db, k, seconds };
    windows.push(lastJsonLine<P1Figures>(python(`P1 ${target.name}`, [path.join(BENCH, "p1.py"), JSON.stringify(spec)], target.env)));
  }
  const rates = windows.map((window) => window.batchesPerSecond);
  const mean = rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
  const last = windows[windows.length - 1];
  return {
    ...last,
    batchesPerSecond: mean,
    failed: windows.reduce((sum, window) => sum + window.failed, 0),
    lostRows: windows.reduce((sum, window) => sum + window.lostRows, 0),
    spread: mean > 0 ? (Math.max(...rates) - Math.min(...rates)) / mean : 0,
  };
}

function measureP1(profile: Profile, lab: LocalLab, sqlite: { uri: string; dbPath: string }, handmade: { uri: string; pgDsn: string }) {
  const state = lab.state();
  const { storeUri, dsn: pgDsn } = trackingDatabase(lab);
  const results: Record<string, Record<string, unknown>> = {};
  for (const k of p1Ks(profile)) {
    const targets: { name: string; mode: string; uri?: string; db: Record<string, string>; env: Record<string, string> }[] = [
      { name: "lab", mode: "http", uri: `http://127.0.0.1:${state.ports.mlflow}`, db: { kind: "postgres" }, env: { MLFLOW_TRACKING_USERNAME: lab.name, MLFLOW_TRACKING_PASSWORD: state.secrets.researcherPassword, BENCH_PG_DSN: pgDsn } },
      { name: "handmade", mode: "http", uri: handmade.uri, db: { kind: "postgres" }, env: { BENCH_PG_DSN: handmade.pgDsn } },
      { name: "sqlite", mode: "http", uri: sqlite.uri, db: { kind: "sqlite", path: sqlite.dbPath }, env: {} },
      { name: "ceiling", mode: "store", db: { kind: "postgres" }, env: { BENCH_STORE_URI: storeUri, BENCH_PG_DSN: pgDsn } },
    ];
    const figures: Record<string, P1Figures> = {};
    for (const target of targets) figures[target.name] = measureP1Point(profile, target, k);
    results[`k${k}`] = {
      ...figures,
      ratioVsHandmade: figures.lab.batchesPerSecond / Math.max(figures.handmade.batchesPerSecond, 1e-9),
      ratioVsSqlite: figures.lab.batchesPerSecond / Math.max(figures.sqlite.batchesPerSecond, 1e-9),
      ratioVsCeiling: figures.lab.batchesPerSecond / Math.max(figures.ceiling.batchesPerSecond, 1e-9),
      failed: figures.lab.failed,
      lostRows: figures.lab.lostRows,
    };
  }
  return results;
}

async function measureP3(profile: Profile) {
  const { config } = readStackConfig("example");
  const evaluateLab = (lab: string) =>
    evaluateProgram({ stack: lab, config: { ...config, "mlflow-lab:lab": lab, "mlflow-lab:runaiProject": lab }, computed: "fake" });
  await evaluateLab("warm-up"); // module loading is paid once, not per lab
  const perLab: Record<string, number> = {};
  for (const count of profile.labCounts) {
    log(`P3 evaluating ${count} lab stack(s) under the mock runtime`);
    const began = performance.now();
    for (let i = 0; i < count; i++) await evaluateLab(`lab-${count}-${i}`);
    perLab[`n${count}`] = (performance.now() - began) / count;
  }
  const first = profile.labCounts[0];
  const last = profile.labCounts[profile.labCounts.length - 1];
  return { msPerLab: perLab, [`perLabRatio${last}to${first}`]: perLab[`n${last}`] / perLab[`n${first}`] };
}

function printTable(results: { p1: Record<string, Record<string, unknown>>; p2: Parameters<typeof printArtifacts>[0]; p3: Record<string, unknown>; p4: Parameters<typeof printP4>[0] }) {
  const fmt = (n: unknown) => (typeof n === "number" ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2)) : String(n));
  console.log("\nP1 tracking writes (log_batch of 100 metrics)");
  console.log("K   target    batches/s   spread   p50 ms   p99 ms   failed   lost rows");
  for (const [k, row] of Object.entries(results.p1)) {
    for (const target of P1_TARGETS) {
      const f = row[target] as P1Figures;
      console.log(`${k.slice(1).padEnd(3)} ${target.padEnd(9)} ${fmt(f.batchesPerSecond).padStart(9)} ${`${Math.round(f.spread * 100)} %`.padStart(8)} ${fmt(f.p50Ms).padStart(8)} ${fmt(f.p99Ms).padStart(8)} ${String(f.failed).padStart(8)} ${String(f.lostRows).padStart(11)}`);
    }
    console.log(`    lab/handmade ${fmt(row.ratioVsHandmade)}   lab/sqlite ${fmt(row.ratioVsSqlite)}   lab/ceiling ${fmt(row.ratioVsCeiling)}`);
    for (const target of P1_TARGETS) {
      for (const [kind, count] of Object.entries((row[target] as P1Figures).errors)) console.log(`    ${target} failures: ${count} x ${kind}`);
    }
  }
  printArtifacts(results.p2, fmt);
  printP4(results.p4, fmt);
  console.log("\nP3 program evaluation (mock runtime)");
  console.log(JSON.stringify(results.p3));
}

async function main() {
  const profileName = process.argv.includes("--smoke") ? "smoke" : process.argv.includes("--quick") ? "quick" : "full";
  const profile = PROFILES[profileName];
  const windows = p1Ks(profile).map((k) => `K=${k} ${profile.secondsAtK[k]} s`).join(", ");
  log(`profile ${profile.name}: P1 windows ${windows} (x${profile.repeats}), artifacts ${profile.artifacts.map(shapeName).join(", ")} (x${profile.artifactRepeats})`);
  const proxiedLab = new LocalLab({ name: "bench", artifactMode: "proxied", log });
  const directLab = new LocalLab({ name: "bench-direct", artifactMode: "direct", log });
  let sqlite: Awaited<ReturnType<typeof startSqliteServer>> | undefined;
  let handmade: Awaited<ReturnType<typeof startHandmade>> | undefined;
  try {
    await proxiedLab.up();
    await directLab.up();
    sqlite = await startSqliteServer();
    handmade = await startHandmade(proxiedLab);
    const p1 = measureP1(profile, proxiedLab, sqlite, handmade);
    // Nothing but the two labs from here on.
    await sqlite.stop();
    await handmade.stop();
    sqlite = handmade = undefined;
    const direct = measureShapes(directLab, profile.artifacts, profile.artifactRepeats);
    const proxied = measureShapes(proxiedLab, profile.artifacts, profile.artifactRepeats);
    const multipart = measureMultipart(proxiedLab, profile.multipart);
    const p4 = await measureP4(proxiedLab, profile.trainingLoop);
    const p3 = await measureP3(profile);
    const results = {
      profile: profile.name,
      measuredAt: new Date().toISOString(),
      machine: { cpus: os.cpus().length },
      p1,
      p2: { ...artifactSummary(direct, proxied), direct, proxied, multipart },
      p3,
      p4,
    };
    const file = path.join(BENCH, profile.name === "smoke" ? "results.smoke.json" : "results.json");
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    printTable(results);
    log(`wrote ${path.relative(process.cwd(), file)}`);
  } finally {
    await sqlite?.stop();
    await handmade?.stop();
    await directLab.down();
    await proxiedLab.down();
  }
}

main().catch((error: unknown) => {
  console.error(`[bench] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
