/**
 * The fixed bash of the server's scripts and the Python module the server imports, kept as .sh
 * and .py files beside this module so they read (and lint) as what they are. A renderer prepends
 * the quoted settings to a script; these bodies take no input else.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const besideThisModule = (folder: string, file: string) => fs.readFileSync(path.join(__dirname, folder, file), "utf8");

export function scriptBody(name: string): string {
  return besideThisModule("scripts", `${name}.sh`);
}

/** A fixed Python module the server imports. */
export function authPluginSource(module: string): string {
  return besideThisModule("python", `${module}.py`);
}
