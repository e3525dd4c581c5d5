/**
 * The fixed bash of the server's scripts and the Python module the server imports, kept as .sh
 * and .py files beside this module so they read (and lint) as what they are. A renderer prepends
 * the quoted settings to a script; these bodies take no input else.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export function scriptBody(name: string): string {
  return fs.readFileSync(path.join(__dirname, "scripts", `${name}.sh`), "utf8");
}

/** A fixed Python module the server imports (kept beside this module as a .py file). */
export function authPluginSource(module: string): string {
  return fs.readFileSync(path.join(__dirname, "python", `${module}.py`), "utf8");
}
