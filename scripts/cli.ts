/** The `mlflow-lab` command line. Each subcommand lives in its own module. */
import { parseArgs } from "node:util";
import * as fs from "node:fs";
import { formatPlan, planStack } from "./plan";
import { UsageError } from "./errors";
import { renderToDirectory } from "./render";
import { ValidationError } from "../templates/validation";

const USAGE = `Usage:
  mlflow-lab render --values FILE|- --out DIR   write a lab's researcher bundle
      FILE: a LabValues document, or the output of
            pulumi stack output --json --show-secrets
  mlflow-lab plan --stack NAME [--json]         the resources of stacks/Pulumi.NAME.yaml,
                                                evaluated offline (no cloud, no Pulumi CLI)
`;

type Command = (argv: string[]) => Promise<void> | void;

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
  async plan(argv) {
    const { values } = parseArgs({ args: argv, options: { stack: { type: "string" }, json: { type: "boolean", default: false } }, strict: true });
    if (values.stack === undefined) throw new UsageError("plan needs --stack NAME (stacks/Pulumi.NAME.yaml)");
    const plan = await planStack(values.stack);
    process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
  },
};

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
    await command(rest);
    return 0;
  } catch (error) {
    if (error instanceof ValidationError) {
      const consequence = name === "plan" ? "No resource would be created." : "Nothing was written.";
      process.stderr.write(`mlflow-lab ${name}: ${error.message}\n${consequence}\n`);
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
