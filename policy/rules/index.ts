/**
 * The mlflow-lab invariants as small pure rules: a resource (type, name, props) in, violation
 * messages out. policy/index.ts wraps them in a CrossGuard PolicyPack; `mlflow-lab plan` and the
 * tests call them directly.
 */
import { noPublicBucket } from "./buckets";
import { noAllPortsIngress, noDatabaseIngress, noWorldIngressExceptHttps } from "./network";
import { noLiteralCredentials, runaiLimitsRequired, runaiSchedulerRequired } from "./runai";
import { cloudInitPinsSafeMlflow } from "./server";
import { backupsConfigured } from "./stack";
import type { ResourceRule, StackRule } from "./types";

export * from "./buckets";
export * from "./network";
export * from "./runai";
export * from "./server";
export * from "./stack";
export * from "./types";

export const RESOURCE_RULES: readonly ResourceRule[] = [
  noWorldIngressExceptHttps,
  noAllPortsIngress,
  noDatabaseIngress,
  runaiSchedulerRequired,
  runaiLimitsRequired,
  noLiteralCredentials,
  noPublicBucket,
  cloudInitPinsSafeMlflow,
];
export const STACK_RULES: readonly StackRule[] = [backupsConfigured];
