/** Writes a rendered bundle to disk: secret files mode 0600, each file replaced atomically. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { BundleFile } from "../templates/researcher/bundle";

export const SECRET_FILE_MODE = 0o600;
export const PLAIN_FILE_MODE = 0o644;

export function writeBundle(files: readonly BundleFile[], outDir: string): string[] {
  // The directory holds credentials: private when we create it.
  fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
  return files.map((file) => {
    const target = path.join(outDir, file.name);
    const mode = file.secret ? SECRET_FILE_MODE : PLAIN_FILE_MODE;
    const temporary = path.join(outDir, `.${file.name}.${process.pid}.tmp`);
    // Created with its final mode, so a secret is never readable by others, not even briefly.
    const fd = fs.openSync(temporary, "wx", mode);
    try {
      fs.writeFileSync(fd, file.content);
      fs.fchmodSync(fd, mode);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, target);
    return target;
  });
}
