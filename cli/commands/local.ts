/** `mlflow-lab local up|down|status`: the embedded lab on this machine. */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../../io/errors";
import { LocalLab } from "../../localLab/lab";

export async function localCommand(argv: string[]): Promise<number | void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { name: { type: "string" }, stack: { type: "string" }, "artifact-mode": { type: "string" }, type: { type: "string" }, to: { type: "string" }, force: { type: "boolean", default: false } },
    allowPositionals: true,
    strict: true,
  });
  const [action, ...rest] = positionals;
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
      console.log(`Job account:  source ${path.relative(process.cwd(), summary.bundleDir)}/mlflow_env.sh`);
      for (const [member, dir] of Object.entries(summary.memberBundles)) console.log(`Member ${member}:${" ".repeat(Math.max(1, 6 - member.length))}source ${path.relative(process.cwd(), dir)}/mlflow_env.sh`);
      console.log(`Sample run:   ${runId}`);
      return;
    }
    case "down":
      return lab.down();
    case "destroy":
      return lab.destroy();
    case "status":
      return (await lab.status()) ? 0 : 3;
    case "backup": {
      const type = values.type ?? "incr";
      if (type !== "full" && type !== "diff" && type !== "incr") throw new UsageError(`--type must be full, diff or incr, not ${JSON.stringify(type)}`);
      process.stdout.write(lab.backup(type));
      return;
    }
    case "backups":
      process.stdout.write(lab.backups());
      return;
    case "restore":
      if (values.to === undefined) throw new UsageError("restore needs --to TIME (such as '2026-11-30 17:40:00+00') or --to latest");
      process.stdout.write(lab.restore(values.to, values.force));
      return;
    case "service": {
      // Used by the rendered mlflow-restore to stop and start the lab's services, as systemctl on the VM.
      const [service, verb] = rest;
      if ((service !== "mlflow" && service !== "postgres") || (verb !== "start" && verb !== "stop")) throw new UsageError("service needs mlflow|postgres start|stop");
      return lab.service(service, verb);
    }
    default:
      throw new UsageError("local needs up, down, destroy, status, backup, backups or restore");
  }
}
