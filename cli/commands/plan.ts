/** `mlflow-lab plan --stack NAME [--json]`: the stack's resources, evaluated offline. */
import { parseArgs } from "node:util";
import { formatPlan, planStack } from "../../engine/plan";
import { UsageError } from "../../io/errors";

export async function planCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { stack: { type: "string" }, json: { type: "boolean", default: false } }, strict: true });
  if (values.stack === undefined) throw new UsageError("plan needs --stack NAME (stacks/Pulumi.NAME.yaml)");
  const plan = await planStack(values.stack);
  process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
}
