import { PATTERNS } from "../model/fields";

/**
 * Quotes a value for bash so that the shell reproduces it byte for byte and expands nothing.
 * Single quotes suppress every expansion; an embedded single quote closes the string, adds an
 * escaped quote and reopens it. NUL cannot live in a bash string, so callers reject it first.
 */
export function quoteForBash(value: string): string {
  if (value.includes("\0")) throw new Error("a NUL byte cannot be represented in a bash string");
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `NAME='value'`, the form bash reads after `export `. */
export function bashAssignment(name: string, value: string): string {
  if (!PATTERNS.envName.test(name)) throw new Error(`${JSON.stringify(name)} is not a valid environment variable name`);
  return `${name}=${quoteForBash(value)}`;
}
