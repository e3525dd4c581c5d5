// CrossGuard entry point: `pulumi preview --policy-pack policy`. The rules live in rules.ts.
import { PolicyPack } from "@pulumi/policy";
import { RESOURCE_RULES, STACK_RULES } from "./rules";

new PolicyPack("mlflow-lab", {
  policies: [
    ...RESOURCE_RULES.map((rule) => ({
      name: rule.name,
      description: rule.description,
      enforcementLevel: rule.enforcementLevel,
      validateResource: (args: { type: string; name: string; props: Record<string, unknown> }, reportViolation: (message: string) => void) => {
        for (const message of rule.check({ type: args.type, name: args.name, props: args.props })) reportViolation(message);
      },
    })),
    ...STACK_RULES.map((rule) => ({
      name: rule.name,
      description: rule.description,
      enforcementLevel: rule.enforcementLevel,
      validateStack: (args: { resources: { type: string; name: string; props: Record<string, unknown> }[] }, reportViolation: (message: string) => void) => {
        for (const message of rule.check(args.resources.map((r) => ({ type: r.type, name: r.name, props: r.props })))) reportViolation(message);
      },
    })),
  ],
});
