/**
 * `npm run bench:p4 [-- --steps N --step-ms MS]`: what logging costs a training loop (P4).
 * Jobs of bench/p4_training.py (10 metrics per step) run through the bundle's mlflow_env.sh
 * against a local lab, 1 and 16 at a time: without logging, with MLflow's default (synchronous)
 * logging, and with asynchronous logging (MLFLOW_ENABLE_ASYNC_LOGGING=true). Every run's points
 * are counted in Postgres. Then a SIGTERM drill: a job killed mid-run loses no point it logged.
 * Prints the figures and writes bench/results.p4.json (`--smoke`: tiny, bench/results.p4.smoke.json).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { LocalLab, REPO_ROOT } from "../localLab/lab";
import { run } from "../localLab/processes";
import { labDatabaseNames } from "../model/names";
import { quoteForBash } from "../templates/shell";

const PYTHON = path.join(REPO_ROOT, ".venv", "bin", "python");
const TRAINING = path.join(REPO_ROOT, "bench", "p4_training.py");
const METRICS_PER_STEP = 10;
const log = (line: string) => console.log(`[bench:p4] ${line}`);

type Logging = "none" | "sync" | "async";
interface JobResult {
  readonly wall_seconds: number;
  readonly steps_logged: number;
  readonly run_id: string | null;
}

/** One training job through the bundle's env; `signalAfterMs` sends SIGTERM that long after start. */
function job(lab: LocalLab, logging: Logging, steps: number, stepSeconds: number, options: { signalAfterMs?: number; keepDefaultSigterm?: boolean; progressFile?: string } = {}): Promise<JobResult> {
  const asyncSetting = logging === "async" ? "export MLFLOW_ENABLE_ASYNC_LOGGING=true" : "unset MLFLOW_ENABLE_ASYNC_LOGGING";
  const args = [TRAINING, String(steps), String(stepSeconds), logging === "none" ? "none" : "log", ...(options.keepDefaultSigterm ? ["keep-default-sigterm"] : [])];
  const command = `source ${quoteForBash(path.join(lab.bundleDir, "mlflow_env.sh"))} && ${asyncSetting} && exec ${[PYTHON, ...args].map(quoteForBash).join(" ")}`;
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
  const state = lab.state();
  const names = labDatabaseNames(lab.name);
  const script = [
    "import json, os, sys, psycopg2",
    "ids = json.loads(sys.argv[1])",
    "with psycopg2.connect(os.environ['BENCH_PG_DSN']) as db, db.cursor() as cursor:",
    "    cursor.execute('SELECT run_uuid, count(*) FROM metrics WHERE run_uuid = ANY(%s) GROUP BY run_uuid', (ids,))",
    "    counts = dict(cursor.fetchall())",
    "print(json.dumps({run: counts.get(run, 0) for run in ids}))",
  ].join("\n");
  const dsn = `host=127.0.0.1 port=${state.ports.postgres} dbname=${names.tracking} user=${names.role} password=${state.secrets.dbPassword}`;
  const output = run("count points", PYTHON, ["-c", script, JSON.stringify(runIds)], { env: { PATH: process.env.PATH ?? "", BENCH_PG_DSN: dsn } });
  return JSON.parse(output.trim().split("\n").pop() ?? "{}") as Record<string, number>;
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { steps: { type: "string", default: "300" }, "step-ms": { type: "string", default: "50" }, smoke: { type: "boolean", default: false } }, strict: true });
  const steps = values.smoke ? 20 : Number(values.steps);
  const stepSeconds = Number(values["step-ms"]) / 1000;
  const concurrencies = values.smoke ? [1, 2] : [1, 16];
  // Its own lab for the smoke run, so a smoke test never stops a full run's lab.
  const lab = new LocalLab({ name: values.smoke ? "bench-p4-smoke" : "bench-p4", log });
  await lab.up();
  try {
    const byK: Record<string, Record<string, unknown>> = {};
    for (const k of concurrencies) {
      const row: Record<string, unknown> = {};
      const walls: Partial<Record<Logging, number>> = {};
      for (const logging of ["none", "sync", "async"] as const) {
        log(`K=${k} ${logging}: ${k} job(s) of ${steps} steps x ${stepSeconds * 1000} ms, ${logging === "none" ? "no logging" : `${METRICS_PER_STEP} metrics per step`}`);
        const results = await Promise.all(Array.from({ length: k }, () => job(lab, logging, steps, stepSeconds)));
        const runIds = results.map((result) => result.run_id).filter((id): id is string => id !== null);
        const counts = pointsInPostgres(lab, runIds);
        const expected = logging === "none" ? 0 : k * steps * METRICS_PER_STEP;
        const arrived = Object.values(counts).reduce((sum, count) => sum + count, 0);
        walls[logging] = mean(results.map((result) => result.wall_seconds));
        row[logging] = { meanWallSeconds: walls[logging], maxWallSeconds: Math.max(...results.map((result) => result.wall_seconds)), pointsExpected: expected, pointsInPostgres: arrived, pointsLost: expected - arrived };
      }
      const none = walls.none ?? 1;
      row.syncOverhead = (walls.sync ?? none) / none - 1;
      row.asyncOverhead = (walls.async ?? none) / none - 1;
      byK[`k${k}`] = row;
    }

    log("SIGTERM drill: async logging, a long job terminated after 8 s, with and without the script's handler");
    const drill: Record<string, unknown> = {};
    for (const keepDefaultSigterm of [false, true]) {
      const progressFile = path.join(lab.root, "p4-progress");
      fs.rmSync(progressFile, { force: true });
      const result = await job(lab, "async", 100_000, stepSeconds, { signalAfterMs: 8_000, keepDefaultSigterm, progressFile });
      // A few seconds for anything still in flight to land before counting.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const stepsLogged = keepDefaultSigterm ? Number(fs.readFileSync(progressFile, "utf8")) : result.steps_logged;
      const counted = result.run_id ? (pointsInPostgres(lab, [result.run_id])[result.run_id] ?? 0) : 0;
      drill[keepDefaultSigterm ? "defaultSigterm" : "withHandler"] = { stepsLogged, pointsExpected: stepsLogged * METRICS_PER_STEP, pointsInPostgres: counted, pointsLost: stepsLogged * METRICS_PER_STEP - counted };
    }

    const results = { steps, stepMs: stepSeconds * 1000, metricsPerStep: METRICS_PER_STEP, measuredAt: new Date().toISOString(), p4: byK, sigterm: drill };
    console.log(JSON.stringify(results, null, 2));
    fs.writeFileSync(path.join(REPO_ROOT, "bench", values.smoke ? "results.p4.smoke.json" : "results.p4.json"), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await lab.down();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:p4: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
