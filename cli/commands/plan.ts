/** `mlflow-lab plan --stack NAME [--json]`: the stack's resources, evaluated offline, and the policy pack's verdict. */
import { parseArgs } from "node:util";
import { formatPlan, planStack } from "../../engine/plan";
import { hasMandatoryViolation } from "../../engine/policyCheck";
import { UsageError } from "../../io/errors";

export async function planCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { stack: { type: "string" }, json: { type: "boolean", default: false } }, strict: true });
  if (values.stack === undefined) throw new UsageError("plan needs --stack NAME (stacks/Pulumi.NAME.yaml)");
  const plan = await planStack(values.stack);
  process.stdout.write(values.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
  if (!hasMandatoryViolation(plan.policy)) return 0;
  process.stderr.write("mlflow-lab plan: mandatory policy violations: pulumi preview --policy-pack policy would refuse this stack.\n");
  return 1;
}
