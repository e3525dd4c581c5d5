/**
 * An entry of slurmEnvironment: NAME=value, written after `export ` in the Slurm job script.
 * Messages name the variable, never its value: job environments are where people paste tokens.
 */
import { z } from "zod";
import { PATTERNS } from "../model/fields";
import { RESERVED_VARIABLES } from "../model/environmentNames";

export function splitAssignment(entry: string): { name: string; value: string } {
  const at = entry.indexOf("=");
  return { name: entry.slice(0, at), value: entry.slice(at + 1) };
}

export const slurmAssignment = () =>
  z.string().superRefine((entry, ctx) => {
    const { name } = splitAssignment(entry);
    if (!entry.includes("=") || !PATTERNS.envName.test(name)) {
      ctx.addIssue({ code: "custom", message: "each entry must be NAME=value with a valid variable name" });
    } else if (RESERVED_VARIABLES.has(name)) {
      ctx.addIssue({ code: "custom", message: `${name} is set by mlflow-lab itself; remove it` });
    } else if (entry.includes("\0")) {
      ctx.addIssue({ code: "custom", message: `${name} must not contain a NUL byte` });
    }
  });
