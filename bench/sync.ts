/**
 * `npm run bench:sync [-- --runs N]`: sync throughput. Writes an offline store of N runs (default
 * 100) x 10 metrics x 1,000 steps, brings up a local lab and times `cli/sync.py` importing it
 * through the lab's bundle; prints the sync's report and writes bench/results.sync.json.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { LocalLab, REPO_ROOT } from "../localLab/lab";
import { PYTHON } from "../localLab/state";
import { run } from "../localLab/processes";
import { quoteForBash } from "../templates/shell";

const METRICS = 10;
const STEPS = 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "100" } }, strict: true });
  const runs = Number(values.runs);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "sync-bench-"));
  const store = path.join(work, "mlflow.db");
  console.log(`[bench:sync] writing the offline store: ${runs} runs x ${METRICS} metrics x ${STEPS} steps`);
  run("sync_store.py", PYTHON, [path.join(REPO_ROOT, "bench", "sync_store.py"), store, path.join(work, "artifacts"), String(runs), String(METRICS), String(STEPS)]);
  const lab = new LocalLab({ name: "bench-sync", log: (line) => console.log(`[bench:sync] ${line}`) });
  await lab.up();
  try {
    const command = `source ${quoteForBash(path.join(lab.bundleDir, "mlflow_env.sh"))} && MLFLOW_LAB_SYNC_SOURCE=${quoteForBash(`sqlite:///${store}`)} exec ${PYTHON} ${quoteForBash(path.join(REPO_ROOT, "cli", "sync.py"))} 2>/dev/null`;
    const report = run("mlflow-lab sync", "bash", ["-c", command]).trim().split("\n").pop() ?? "";
    console.log(report);
    const figures = /\(([\d.]+) runs\/s, (\d+) metric points\/s\)/.exec(report);
    if (!figures) throw new Error(`no figures in the sync's report: ${report}`);
    const results = { runs, metrics: METRICS, steps: STEPS, runsPerSecond: Number(figures[1]), metricPointsPerSecond: Number(figures[2]), measuredAt: new Date().toISOString() };
    fs.writeFileSync(path.join(REPO_ROOT, "bench", "results.sync.json"), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`[bench:sync] ${results.runsPerSecond} runs/s, ${results.metricPointsPerSecond} metric points/s; written to bench/results.sync.json`);
  } finally {
    await lab.down();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench:sync: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
