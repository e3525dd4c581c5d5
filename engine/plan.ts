/**
 * `mlflow-lab plan`: the resources a stack would create, evaluated offline under Pulumi's mock
 * runtime. Provider-computed values show as unknown and secrets as masked.
 */
import * as pulumi from "@pulumi/pulumi";
import { type Evaluation, evaluateProgram, isSecretMarker, type RecordedResource } from "./mockRuntime";
import { keysChanging } from "../config/keys";
import { readStackConfig } from "../io/stackFile";
import { ValidationError } from "../model/validation";
import { checkPolicies, formatPolicyReport, type PolicyReport } from "./policyCheck";


// How an unknown reaches the engine, and how the mock monitor hands it over.
const isUnknown = (value: unknown) =>
  value === pulumi.runtime.unknownValue || (typeof value === "object" && value !== null && (value as { __pulumiUnknown?: unknown }).__pulumiUnknown === true);
export const MASKED = "[secret]";
export const UNKNOWN_TEXT = "(known after apply)";

/** Replaces secrets by MASKED and unknowns by UNKNOWN_TEXT, at any depth. */
export function maskValue(value: unknown): unknown {
  if (isUnknown(value)) return UNKNOWN_TEXT;
  if (Array.isArray(value)) return value.map(maskValue);
  if (typeof value === "object" && value !== null) {
    if (isSecretMarker(value)) return MASKED;
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, maskValue(inner)]));
  }
  return value;
}

export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  /** "create", or "read" for existing resources the stack only looks up. */
  readonly action: "create" | "read";
  readonly inputs: unknown;
}

export interface Plan {
  readonly stack: string;
  readonly resources: PlannedResource[];
  readonly outputs: unknown;
  readonly policy: PolicyReport;
}

function planned(resource: RecordedResource): PlannedResource {
  return {
    type: resource.type,
    name: resource.name,
    parent: resource.parent ?? null,
    action: resource.readId !== undefined ? "read" : "create",
    inputs: maskValue(resource.inputs),
  };
}

/** Outputs are Output objects; a plan shows which exist, with secrets and unknowns masked. */
async function maskedOutputs(evaluation: Evaluation): Promise<Record<string, unknown>> {
  const shown: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(evaluation.outputs)) {
    const out: pulumi.Output<unknown> = pulumi.output(value);
    if (await pulumi.isSecret(out)) {
      shown[name] = MASKED;
      continue;
    }
    shown[name] = await new Promise((resolve) => {
      let settled = false;
      out.apply((resolved) => {
        settled = true;
        resolve(resolved);
      });
      // An unknown output never calls its apply.
      setTimeout(() => !settled && resolve(UNKNOWN_TEXT), 50);
    });
  }
  return shown;
}

/**
 * Evaluates a stack offline. Bad config throws one ValidationError with the problems of every
 * phase: the stack file's (types, namespaces) and the keys' (shapes, presence, contradictions).
 */
export async function planStack(stack: string, computed: "preview" | "fake" = "preview"): Promise<Plan> {
  const { config, secretKeys, problems } = readStackConfig(stack);
  let evaluation: Evaluation;
  try {
    evaluation = await evaluateProgram({ stack, config, secretKeys, computed });
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError("stack config", [...problems, ...error.problems]);
    throw error;
  }
  if (problems.length > 0) throw new ValidationError("stack config", problems);
  // Components first, each followed by its children: the order a reader expects.
  const resources = evaluation.resources.map(planned).sort((a, b) => a.name.localeCompare(b.name));
  const policy = checkPolicies(resources.filter((resource) => resource.action === "create").map((resource) => ({ type: resource.type, name: resource.name, props: resource.inputs as Record<string, unknown> })));
  return { stack, resources, outputs: await maskedOutputs(evaluation), policy };
}

export function formatPlan(plan: Plan): string {
  const children = new Map<string | null, PlannedResource[]>();
  for (const resource of plan.resources) children.set(resource.parent, [...(children.get(resource.parent) ?? []), resource]);
  const lines = [`Plan for stack ${plan.stack}: ${plan.resources.length} resources (offline, mock runtime)`];
  const walk = (parent: string | null, depth: number) => {
    for (const resource of children.get(parent) ?? []) {
      const verb = resource.action === "read" ? "read  " : "create";
      lines.push(`${"  ".repeat(depth)}${verb} ${resource.type} ${resource.name}`);
      for (const [key, value] of Object.entries(resource.inputs as Record<string, unknown>)) {
        if (key === "__defaults") continue;
        const text = JSON.stringify(value);
        lines.push(`${"  ".repeat(depth + 2)}${key}: ${text.length > 160 ? `${text.slice(0, 157)}...` : text}`);
      }
      walk(resource.name, depth + 1);
    }
  };
  walk(null, 1);
  if (plan.resources.some((resource) => resource.type === "openstack:compute/instance:Instance")) {
    lines.push("A new value of these keys replaces the server VM (cloud-init runs on a new VM, which adopts the data volume):");
    lines.push(`  ${keysChanging("replaced").join(", ")}`);
    lines.push("A new value of these changes it in place:", `  ${keysChanging("changed in place").join(", ")}`, "Any other key leaves the server untouched.");
  }
  lines.push("Outputs:");
  for (const [name, value] of Object.entries(plan.outputs as Record<string, unknown>)) lines.push(`  ${name}: ${JSON.stringify(value)}`);
  return `${lines.join("\n")}\n${formatPolicyReport(plan.policy)}`;
}
