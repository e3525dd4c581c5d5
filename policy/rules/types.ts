/** A resource as CrossGuard hands it to a rule, and the two kinds of rule. */
export interface PolicyResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
}

export interface ResourceRule {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: "mandatory" | "advisory";
  check(resource: PolicyResource): string[];
}

export interface StackRule {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: "mandatory" | "advisory";
  check(resources: readonly PolicyResource[]): string[];
}
