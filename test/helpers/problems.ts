import type { Problem } from "../../model/validation";
import { ValidationError } from "../../model/validation";

/** The problems a validation reports; fails the test when it reports none. */
export function validationProblems(validate: () => unknown): Problem[] {
  try {
    validate();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.problems];
    throw error;
  }
  throw new Error("expected a ValidationError");
}
