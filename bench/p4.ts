/**
 * `npm run bench:p4 [-- --steps N --step-ms MS]`: P4 alone (bench/trainingLoop.ts) on a lab of
 * its own, 1 and 16 jobs at a time. Prints the figures and writes bench/results.p4.json
 * (`--smoke`: 20 steps, 1 and 2 jobs, bench/results.p4.smoke.json). `npm run bench` runs it too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { LocalLab, REPO_ROOT } from "../localLab/lab";
import { measureP4, printP4 } from "./trainingLoop";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { steps: { type: "string", default: "300" }, "step-ms": { type: "string", default: "50" }, smoke: { type: "boolean", default: false } }, strict: true });
  const shape = { steps: values.smoke ? 20 : Number(values.steps), stepSeconds: Number(values["step-ms"]) / 1000, concurrencies: values.smoke ? [1, 2] : [1, 16] };
  // Its own lab for the smoke run, so a smoke test never stops a full run's lab.
  const lab = new LocalLab({ name: values.smoke ? "bench-p4-smoke" : "bench-p4", log: (line) => console.log(`[bench:p4] ${line}`) });
  await lab.up();
  try {
    const p4 = await measureP4(lab, shape);
    const results = { measuredAt: new Date().toISOString(), p4 };
    fs.writeFileSync(path.join(REPO_ROOT, "bench", values.smoke ? "results.p4.smoke.json" : "results.p4.json"), `${JSON.stringify(results, null, 2)}\n`);
    printP4(p4, (n) => (typeof n === "number" ? n.toFixed(1) : String(n)));
  } finally {
    await lab.down();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:p4: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
