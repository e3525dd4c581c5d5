/**
 * The one mock helper of the Pulumi tests: evaluates a program under the mock runtime with
 * stand-ins for computed values, and reads back what every resource was given.
 */
import * as pulumi from "@pulumi/pulumi";
import { evaluateProgram, type Evaluation, type RecordedResource } from "../../engine/mockRuntime";
import { isSecretMarker } from "../../engine/mockRuntime";
import type { RawConfig } from "../../config/schema";
import { minimalRawConfig } from "./labConfig";

export type Config = RawConfig & Record<string, string | undefined>;

/** Evaluates index.ts (or `program`) with the given plain and secret config. */
export async function evaluate(
  config: Config = minimalRawConfig(),
  secrets: Record<string, string> = {},
  program?: () => Record<string, unknown>,
): Promise<Evaluation> {
  const full: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...config, ...secrets })) if (value !== undefined) full[`mlflow-lab:${key}`] = value;
  return evaluateProgram({
    stack: "test",
    config: full,
    secretKeys: Object.keys(secrets).map((key) => `mlflow-lab:${key}`),
    computed: "fake",
    program,
  });
}

export const isSecretInput = isSecretMarker;

/** An input with its secret marker removed, at any depth. */
export function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    if (isSecretMarker(value)) return plain(value.value);
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  }
  return value;
}

export function ofType(evaluation: Evaluation, type: string): RecordedResource[] {
  return evaluation.resources.filter((resource) => resource.type === type);
}

export function named(evaluation: Evaluation, name: string): RecordedResource {
  const found = evaluation.resources.find((resource) => resource.name === name);
  if (!found) throw new Error(`no resource named ${name}; have ${evaluation.resources.map((r) => r.name).join(", ")}`);
  return found;
}

/** The resolved value of an Output (or plain value). */
export function unwrap<T>(value: unknown): Promise<T> {
  return new Promise((resolve) => pulumi.output(value as pulumi.Input<T>).apply((resolved) => resolve(resolved as T)));
}
