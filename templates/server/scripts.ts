/**
 * The fixed bash of the server's scripts, kept as .sh files beside this module so they read
 * (and lint) as bash. A renderer prepends the quoted settings; these bodies take no input else.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export function scriptBody(name: string): string {
  return fs.readFileSync(path.join(__dirname, "scripts", `${name}.sh`), "utf8");
}
