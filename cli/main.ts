/** The `mlflow-lab` command line. Each subcommand lives in its own module. */
import { parseArgs } from "node:util";
import * as fs from "node:fs";
import { formatPlan, planStack } from "../engine/plan";
import * as path from "node:path";
import { runDoctor } from "./commands/doctor";
import { UsageError } from "./errors";
import { LocalLab } from "../localLab/lab";
import { StepError } from "../localLab/processes";
import { renderToDirectory } from "./commands/render";
import { ValidationError } from "../model/validation";

const USAGE = `Usage:
  mlflow-lab render --values FILE|- --out DIR   write a lab's researcher bundle
      FILE: a LabValues document, or the output of
            pulumi stack output --json --show-secrets
  mlflow-lab plan --stack NAME [--json]         the resources of stacks/Pulumi.NAME.yaml,
                                                evaluated offline (no cloud, no Pulumi CLI)
  mlflow-lab local up|down|status [--name N] [--artifact-mode proxied|direct]
                                                the local lab: Postgres, S3 and MLflow on
                                                loopback, its bundle in out/N (default: local)
  mlflow-lab doctor [--env FILE] [--python PATH]  check a researcher environment (default
                                                ./mlflow_env.sh with python3); exit 0 when all pass
`;

/** A command returns its exit code, or nothing for 0. */
type Command = (argv: string[]) => Promise<number | void> | number | void;

const commands: Record<string, Command> = {
  render(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { values: { type: "string" }, out: { type: "string" } },
      strict: true,
    });
    if (values.values === undefined || values.out === undefined) throw new UsageError("render needs --values FILE|- and --out DIR");
    const written = renderToDirectory(values.values, values.out);
    for (const file of written) {
      const mode = (fs.statSync(file).mode & 0o777).toString(8);
      console.log(`wrote ${file} (mode ${mode})`);
    }
  },
  local,
  doctor(argv) {
    const { values } = parseArgs({ args: argv, options: { env: { type: "string", default: "mlflow_env.sh" }, python: { type: "string", default: "python3" } }, strict: true });
    return runDoctor(values.env, values.python);
  },
  async plan(argv) {
    const { values } = parseArgs({ args: argv, options: { stack: { type: "string" }, json: { type: "boolean", default: false } }, strict: true });
    if (values.stack === undefined) throw new UsageError("plan needs --stack NAME (stacks/Pulumi.NAME.yaml)");
    const plan = await planStack(values.stack);
    process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
  },
};

async function local(argv: string[]): Promise<number | void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { name: { type: "string" }, "artifact-mode": { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const [action] = positionals;
  const mode = values["artifact-mode"];
  if (mode !== undefined && mode !== "proxied" && mode !== "direct") throw new UsageError(`--artifact-mode must be proxied or direct, not ${JSON.stringify(mode)}`);
  const lab = new LocalLab({ name: values.name, artifactMode: mode });
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

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`mlflow-lab: unknown command ${JSON.stringify(name)}\n${USAGE}`);
    return 2;
  }
  try {
    return (await command(rest)) ?? 0;
  } catch (error) {
    if (error instanceof ValidationError) {
      const consequence = name === "plan" ? "No resource would be created." : "Nothing was written.";
      process.stderr.write(`mlflow-lab ${name}: ${error.message}\n${consequence}\n`);
      return 1;
    }
    if (error instanceof StepError) {
      process.stderr.write(`mlflow-lab ${name}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`mlflow-lab ${name}: ${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mlflow-lab: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
