import type { z } from "zod";
import { embedsCredentials } from "./fields";

/** One bad value: where it is (`slurm.time`, or a config key) and what to do about it. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** Every problem of a document at once, so a fix-and-retry loop is needed only once. */
export class ValidationError extends Error {
  constructor(
    readonly subject: string,
    readonly problems: readonly Problem[],
  ) {
    super(`${subject} has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n")}`);
    this.name = "ValidationError";
  }
}

/**
 * Turns zod issues into problems. Values are echoed only for paths that cannot hold a
 * credential, so an error message never carries a secret.
 */
export function problemsFromZod(error: z.ZodError, isSecretPath: (path: string) => boolean): Problem[] {
  return error.issues.flatMap((issue): Problem[] => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: path ? `${path}.${key}` : key,
        message: "is not a known field; remove it or check its spelling",
      }));
    }
    const label = path || "(document)";
    if (issue.code === "invalid_type" && issue.input === undefined) {
      return [{ path: label, message: `is required (${issue.expected})` }];
    }
    // A credential in a URL, or a value at a path that may hold one, is never quoted back.
    const holdsCredential = (issue as { params?: { holdsCredential?: boolean } }).params?.holdsCredential === true || (typeof issue.input === "string" && embedsCredentials(issue.input));
    const given = !isSecretPath(path) && !holdsCredential && issue.input !== undefined ? ` (given ${JSON.stringify(issue.input)})` : "";
    return [{ path: label, message: `${issue.message}${given}` }];
  });
}
