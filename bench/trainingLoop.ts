/**
 * P4, what logging costs a training loop. Jobs of bench/p4_training.py (10 metrics per step) run
 * through the bundle's mlflow_env.sh against a local lab, K at a time: without logging, with
 * MLflow's defaults (synchronous logging), and with the env as rendered (asynchronous logging,
 * buffered). Every run's points are counted in Postgres. Then a SIGTERM drill: what a job
 * terminated mid-run loses, with the bundle README's handler and without.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type LocalLab, REPO_ROOT } from "../localLab/lab";
import { PYTHON } from "../localLab/state";
import { lastJsonLine, run } from "../localLab/processes";
import { ASYNC_LOGGING_VARIABLES } from "../model/environmentNames";
import { log } from "./progress";
import { quoteForBash } from "../templates/shell";
import { trackingDatabase } from "./trackingDatabase";

const TRAINING = path.join(REPO_ROOT, "bench", "p4_training.py");
const METRICS_PER_STEP = 10;

/**
 * none: the loop alone. mlflowDefaults: MLflow's own defaults (synchronous logging, whatever the
 * env says). labEnv: the bundle's env exactly as rendered.
 */
type Logging = "none" | "mlflowDefaults" | "labEnv";
const ENV_OVERRIDES: Record<Logging, string> = {
  none: "",
  mlflowDefaults: ` && unset ${ASYNC_LOGGING_VARIABLES.join(" ")}`,
  labEnv: "",
};
interface JobResult {
  readonly wall_seconds: number;
  readonly steps_logged: number;
  readonly run_id: string | null;
  /** start_run, the steps, and end_run (which waits for the queue to drain). */
  readonly start_seconds?: number;
  readonly loop_seconds?: number;
  readonly end_seconds?: number;
}

/** One training job through the bundle's env; `signalAfterMs` sends SIGTERM that long after start. */
function job(lab: LocalLab, logging: Logging, steps: number, stepSeconds: number, options: { signalAfterMs?: number; keepDefaultSigterm?: boolean; progressFile?: string } = {}): Promise<JobResult> {
  const args = [TRAINING, String(steps), String(stepSeconds), logging === "none" ? "none" : "log", ...(options.keepDefaultSigterm ? ["keep-default-sigterm"] : [])];
  const command = `source ${quoteForBash(path.join(lab.bundleDir, "mlflow_env.sh"))}${ENV_OVERRIDES[logging]} && exec ${[PYTHON, ...args].map(quoteForBash).join(" ")}`;
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...(options.progressFile ? { P4_PROGRESS_FILE: options.progressFile } : {}) };
    const child = spawn("bash", ["-c", command], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    if (options.signalAfterMs !== undefined) setTimeout(() => child.kill("SIGTERM"), options.signalAfterMs);
    child.on("close", () => {
      const lines = stdout.trim().split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Partial<JobResult>);
      const started = lines.find((line) => line.run_id !== undefined);
      const finished = lines.find((line) => line.wall_seconds !== undefined);
      if (finished) resolve(finished as JobResult);
      // Killed without a word (the drill without a handler): only its run id is known.
      else if (started && options.signalAfterMs !== undefined) resolve({ wall_seconds: Number.NaN, steps_logged: -1, run_id: started.run_id ?? null });
      else reject(new Error(`training job printed no result: ${stderr.slice(-1500)}`));
    });
  });
}

/** Metric points of each run, counted in the tracking database. */
function pointsInPostgres(lab: LocalLab, runIds: readonly string[]): Record<string, number> {
  if (runIds.length === 0) return {};
  const script = [
    "import json, os, sys, psycopg2",
    "ids = json.loads(sys.argv[1])",
    "with psycopg2.connect(os.environ['BENCH_PG_DSN']) as db, db.cursor() as cursor:",
    "    cursor.execute('SELECT run_uuid, count(*) FROM metrics WHERE run_uuid = ANY(%s) GROUP BY run_uuid', (ids,))",
    "    counts = dict(cursor.fetchall())",
    "print(json.dumps({run: counts.get(run, 0) for run in ids}))",
  ].join("\n");
  const output = run("count points", PYTHON, ["-c", script, JSON.stringify(runIds)], { env: { PATH: process.env.PATH ?? "", BENCH_PG_DSN: trackingDatabase(lab).dsn } });
  return lastJsonLine<Record<string, number>>(output);
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

export interface TrainingLoopShape {
  readonly steps: number;
  readonly stepSeconds: number;
  readonly concurrencies: readonly number[];
}

/** K jobs at once in one logging mode: their wall times, and their points counted in Postgres. */
interface ModeFigures {
  readonly meanWallSeconds: number;
  readonly maxWallSeconds: number;
  /** The steps alone, and what a job pays once (start_run, end_run with the final flush). */
  readonly meanLoopSeconds: number;
  readonly meanOnceSeconds: number;
  readonly pointsExpected: number;
  readonly pointsInPostgres: number;
  readonly pointsLost: number;
}

/** One concurrency: each mode, and each logging mode's wall-time overhead over no logging. */
interface ConcurrencyRow extends Record<Logging, ModeFigures> {
  readonly mlflowDefaultsOverhead: number;
  readonly labEnvOverhead: number;
  /** The lab env's overhead on the steps alone: what a job many times longer than the bench's pays. */
  readonly labEnvLoopOverhead: number;
}

async function measureMode(lab: LocalLab, logging: Logging, k: number, steps: number, stepSeconds: number): Promise<ModeFigures> {
  log(`P4 K=${k} ${logging}: ${k} job(s) of ${steps} steps x ${stepSeconds * 1000} ms, ${logging === "none" ? "no logging" : `${METRICS_PER_STEP} metrics per step`}`);
  const results = await Promise.all(Array.from({ length: k }, () => job(lab, logging, steps, stepSeconds)));
  const runIds = results.map((result) => result.run_id).filter((id): id is string => id !== null);
  const pointsExpected = logging === "none" ? 0 : k * steps * METRICS_PER_STEP;
  const inPostgres = Object.values(pointsInPostgres(lab, runIds)).reduce((sum, count) => sum + count, 0);
  const walls = results.map((result) => result.wall_seconds);
  const loops = results.map((result) => result.loop_seconds ?? Number.NaN);
  const once = results.map((result) => (result.start_seconds ?? Number.NaN) + (result.end_seconds ?? Number.NaN));
  return { meanWallSeconds: mean(walls), maxWallSeconds: Math.max(...walls), meanLoopSeconds: mean(loops), meanOnceSeconds: mean(once), pointsExpected, pointsInPostgres: inPostgres, pointsLost: pointsExpected - inPostgres };
}

async function measureConcurrency(lab: LocalLab, k: number, steps: number, stepSeconds: number): Promise<ConcurrencyRow> {
  const none = await measureMode(lab, "none", k, steps, stepSeconds);
  const mlflowDefaults = await measureMode(lab, "mlflowDefaults", k, steps, stepSeconds);
  const labEnv = await measureMode(lab, "labEnv", k, steps, stepSeconds);
  const overheadOf = (mode: ModeFigures) => mode.meanWallSeconds / none.meanWallSeconds - 1;
  return {
    none, mlflowDefaults, labEnv,
    mlflowDefaultsOverhead: overheadOf(mlflowDefaults), labEnvOverhead: overheadOf(labEnv),
    labEnvLoopOverhead: labEnv.meanLoopSeconds / none.meanLoopSeconds - 1,
  };
}

/** Per K and logging mode: wall times and points; the drill; and the two summary figures. */
export async function measureP4(lab: LocalLab, shape: TrainingLoopShape) {
  const { steps, stepSeconds } = shape;
  const byK: Record<string, ConcurrencyRow> = {};
  for (const k of shape.concurrencies) byK[`k${k}`] = await measureConcurrency(lab, k, steps, stepSeconds);
  const rows = Object.values(byK);
  const overhead = Math.max(...rows.map((row) => row.labEnvOverhead));
  let lostPoints = rows.reduce((sum, row) => sum + row.mlflowDefaults.pointsLost + row.labEnv.pointsLost, 0);

  log("P4 SIGTERM drill: a long job terminated after 8 s; the lab's env with and without the script's handler, MLflow's defaults without");
  const sigterm: Record<string, { stepsLogged: number; pointsExpected: number; pointsInPostgres: number; pointsLost: number; pointsInFlightStored: number }> = {};
  const drills = [
    { name: "labEnvWithHandler", logging: "labEnv", keepDefaultSigterm: false },
    { name: "labEnvDefaultSigterm", logging: "labEnv", keepDefaultSigterm: true },
    { name: "mlflowDefaultsDefaultSigterm", logging: "mlflowDefaults", keepDefaultSigterm: true },
  ] as const;
  for (const { name, logging, keepDefaultSigterm } of drills) {
    const progressFile = path.join(lab.root, "p4-progress");
    fs.rmSync(progressFile, { force: true });
    const result = await job(lab, logging, 100_000, stepSeconds, { signalAfterMs: 8_000, keepDefaultSigterm, progressFile });
    // A few seconds for anything still in flight to land before counting.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const stepsLogged = keepDefaultSigterm ? Number(fs.readFileSync(progressFile, "utf8")) : result.steps_logged;
    const counted = result.run_id ? (pointsInPostgres(lab, [result.run_id])[result.run_id] ?? 0) : 0;
    const pointsExpected = stepsLogged * METRICS_PER_STEP;
    // A job killed while a step's request is in flight never sees it acknowledged, but the server
    // may still store it: more points than acknowledged is no loss.
    sigterm[name] = { stepsLogged, pointsExpected, pointsInPostgres: counted, pointsLost: Math.max(0, pointsExpected - counted), pointsInFlightStored: Math.max(0, counted - pointsExpected) };
  }
  // The documented way out (the bundle README's handler) counts; without it the queued points go.
  lostPoints += sigterm.labEnvWithHandler.pointsLost;
  return { steps, stepMs: stepSeconds * 1000, metricsPerStep: METRICS_PER_STEP, overhead, lostPoints, byK, sigterm };
}

export function printP4(p4: Awaited<ReturnType<typeof measureP4>>, fmt: (n: unknown) => string): void {
  console.log(`\nP4 training loop (${p4.steps} steps x ${p4.stepMs} ms, ${p4.metricsPerStep} metrics per step): wall-time overhead against no logging`);
  for (const [k, row] of Object.entries(p4.byK)) {
    console.log(`K=${k.slice(1).padEnd(3)} lab env ${fmt(100 * row.labEnvOverhead)} % (steps alone ${fmt(100 * row.labEnvLoopOverhead)} %, once per job ${fmt(row.labEnv.meanOnceSeconds)} s)   MLflow's defaults ${fmt(100 * row.mlflowDefaultsOverhead)} %   points lost ${row.labEnv.pointsLost} / ${row.mlflowDefaults.pointsLost}`);
  }
  for (const [name, drill] of Object.entries(p4.sigterm)) console.log(`SIGTERM ${name.padEnd(30)} ${drill.stepsLogged} steps acknowledged, ${drill.pointsLost} points lost, ${drill.pointsInFlightStored} in flight stored`);
  console.log(`overhead ${fmt(100 * p4.overhead)} % (worst K), points lost ${p4.lostPoints}`);
}
