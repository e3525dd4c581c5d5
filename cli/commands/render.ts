/** `mlflow-lab render`: LabValues (or a whole stack output) in, researcher bundle out. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { renderBundle } from "../../templates/researcher/bundle";
import { labValuesFromDocument } from "../../model/labValues";
import { valuesForJobAccount, valuesForMember } from "../../model/members";
import { writeBundle } from "../../io/bundleWriter";
import { UsageError } from "../../io/errors";


export function readJsonDocument(source: string): unknown {
  const text = source === "-" ? fs.readFileSync(0, "utf8") : readFileOrExplain(source);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${source === "-" ? "standard input" : source}${jsonErrorLine(text, (error as Error).message)}: not JSON (${(error as Error).message}); give the output of pulumi stack output --json --show-secrets`);
  }
}

/** ":LINE" of a JSON.parse error, from the position it names. */
function jsonErrorLine(text: string, message: string): string {
  const position = /at position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : /end of JSON input/.test(message) ? text.length : undefined;
  return offset === undefined ? "" : `:${text.slice(0, offset).split("\n").length}`;
}

function readFileOrExplain(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read --values ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/**
 * Validates everything first; only a valid document writes anything. Returns the paths written.
 * Without a member: the lab-wide job account's bundle; with one: that member's, holding only
 * their own login.
 */
export function renderToDirectory(valuesSource: string, outDir: string, member?: string): string[] {
  const values = labValuesFromDocument(readJsonDocument(valuesSource));
  let bundleValues;
  try {
    bundleValues = member === undefined ? valuesForJobAccount(values) : valuesForMember(values, member);
  } catch (error) {
    throw new UsageError(`--member: ${(error as Error).message}`);
  }
  const absoluteOut = path.resolve(outDir);
  return writeBundle(renderBundle(bundleValues, absoluteOut), absoluteOut);
}

export function renderCommand(argv: string[]): void {
  const { values } = parseArgs({ args: argv, options: { values: { type: "string" }, out: { type: "string" }, member: { type: "string" } }, strict: true });
  if (values.values === undefined || values.out === undefined) throw new UsageError("render needs --values FILE|- and --out DIR [--member NAME]");
  for (const file of renderToDirectory(values.values, values.out, values.member)) {
    console.log(`wrote ${file} (mode ${(fs.statSync(file).mode & 0o777).toString(8)})`);
  }
}
