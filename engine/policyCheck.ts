/**
 * The policy pack's rules over a plan's resources, as `pulumi preview --policy-pack policy`
 * would run them: every resource rule on every resource, every stack rule on the whole.
 */
import { RESOURCE_RULES, STACK_RULES, type PolicyResource } from "../policy/rules";

export interface PolicyViolation {
  readonly rule: string;
  readonly enforcementLevel: "mandatory" | "advisory";
  readonly description: string;
  /** The resource's type and name; absent for a stack rule. */
  readonly resource?: { readonly type: string; readonly name: string };
  readonly message: string;
}

export interface PolicyReport {
  readonly rulesRun: number;
  readonly violations: readonly PolicyViolation[];
}

export function checkPolicies(resources: readonly PolicyResource[]): PolicyReport {
  const violations: PolicyViolation[] = [];
  for (const rule of RESOURCE_RULES) {
    for (const resource of resources) {
      for (const message of rule.check(resource)) {
        violations.push({ rule: rule.name, enforcementLevel: rule.enforcementLevel, description: rule.description, resource: { type: resource.type, name: resource.name }, message });
      }
    }
  }
  for (const rule of STACK_RULES) {
    for (const message of rule.check(resources)) violations.push({ rule: rule.name, enforcementLevel: rule.enforcementLevel, description: rule.description, message });
  }
  return { rulesRun: RESOURCE_RULES.length + STACK_RULES.length, violations };
}

export function hasMandatoryViolation(report: PolicyReport): boolean {
  return report.violations.some((violation) => violation.enforcementLevel === "mandatory");
}

/** The violations as `pulumi preview --policy-pack` prints them. */
export function formatPolicyReport(report: PolicyReport): string {
  if (report.violations.length === 0) return `Policies: all ${report.rulesRun} rules of the mlflow-lab pack pass\n`;
  const lines = ["Policy Violations:"];
  for (const violation of report.violations) {
    const where = violation.resource ? ` (${violation.resource.type}: ${violation.resource.name})` : "";
    lines.push(`    [${violation.enforcementLevel}]  mlflow-lab  ${violation.rule}${where}`, `    ${violation.description}`, `    ${violation.message}`);
  }
  return `${lines.join("\n")}\n`;
}
