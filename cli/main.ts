/** The `mlflow-lab` command line: parses the command name and hands the rest to its module. */
import { UsageError } from "../io/errors";
import { StepError } from "../localLab/processes";
import { ValidationError } from "../model/validation";
import { doctorCommand } from "./commands/doctor";
import { localCommand } from "./commands/local";
import { planCommand } from "./commands/plan";
import { renderCommand } from "./commands/render";
import { syncCommand } from "./commands/sync";

const USAGE = `Usage:
  mlflow-lab render --values FILE|- --out DIR [--member NAME]   write the job account's bundle, or a member's
      FILE: a LabValues document, or the output of
            pulumi stack output --json --show-secrets
  mlflow-lab plan --stack NAME [--json]         the resources of stacks/Pulumi.NAME.yaml,
                                                evaluated offline (no cloud, no Pulumi CLI)
  mlflow-lab local up|down|destroy|status [--name N] [--stack S] [--artifact-mode proxied|direct]
                                                the local lab: Postgres, S3 and MLflow on
                                                loopback, supervised, its bundle in out/N
                                                (default: local, from stacks/Pulumi.local.yaml)
  mlflow-lab local backup [--type full|diff|incr] | backups | restore --to TIME|latest [--force]
                                                back up the local lab now, list its backups,
                                                restore it to a point in time (as on the VM)
  mlflow-lab doctor [--env FILE] [--python PATH]  check a researcher environment (default
                                                ./mlflow_env.sh with python3); exit 0 when all pass
  mlflow-lab sync [--bundle DIR] [--python PATH]  import the offline runs (mlflow_env.offline.sh)
                                                into the lab server (mlflow_env.sh); default DIR: .
                                                run it again: nothing is imported twice
`;

/** A command returns its exit code, or nothing for 0. */
type Command = (argv: string[]) => Promise<number | void> | number | void;

const COMMANDS: Record<string, Command> = { render: renderCommand, plan: planCommand, local: localCommand, doctor: doctorCommand, sync: syncCommand };

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
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
    // No stack trace for a person to read: the message, and where to report it.
    process.stderr.write(`mlflow-lab: internal error: ${error instanceof Error ? error.message : String(error)}\n(set MLFLOW_LAB_DEBUG=1 for the trace, and report it)\n`);
    if (process.env.MLFLOW_LAB_DEBUG === "1" && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  },
);
