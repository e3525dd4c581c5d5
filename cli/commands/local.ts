/** `mlflow-lab local up|down|status`: the embedded lab on this machine. */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../../io/errors";
import { LocalLab } from "../../localLab/lab";

export async function localCommand(argv: string[]): Promise<number | void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { name: { type: "string" }, stack: { type: "string" }, "artifact-mode": { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const [action] = positionals;
  const mode = values["artifact-mode"];
  if (mode !== undefined && mode !== "proxied" && mode !== "direct") throw new UsageError(`--artifact-mode must be proxied or direct, not ${JSON.stringify(mode)}`);
  const lab = new LocalLab({ name: values.name, stack: values.stack, artifactMode: mode });
  switch (action) {
    case "up": {
      const summary = await lab.up();
      const runId = lab.runSample();
      console.log("");
      console.log(`Tracking URL: ${summary.trackingUri}`);
      console.log(`Admin login:  ${summary.adminUsername} (password in ${path.relative(process.cwd(), summary.adminPasswordFile)}, mode 0600)`);
      console.log(`Researchers:  source ${path.relative(process.cwd(), summary.bundleDir)}/mlflow_env.sh`);
      console.log(`Sample run:   ${runId}`);
      return;
    }
    case "down":
      return lab.down();
    case "status":
      return (await lab.status()) ? 0 : 3;
    default:
      throw new UsageError("local needs up, down or status");
  }
}
