import fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { bashAssignment, quoteForBash } from "../templates/shell";
import { runBash, splitNul } from "./helpers/bash";
import { hostileString } from "./helpers/hostile";

describe("quoteForBash", () => {
  it("lets bash reproduce any string byte for byte and run nothing", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quote-"));
    fc.assert(
      fc.property(fc.array(hostileString, { minLength: 1, maxLength: 40 }), (values) => {
        const script = values.map((value, i) => `export ${bashAssignment(`V${i}`, value)}`).join("\n");
        const printed = runBash(`${script}\nprintf '%s\\0' ${values.map((_, i) => `"$V${i}"`).join(" ")}`, { cwd: dir });
        expect(splitNul(printed)).toEqual(values);
        expect(fs.existsSync(path.join(dir, "CANARY"))).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it("wraps in single quotes and escapes an embedded quote", () => {
    expect(quoteForBash("it's $HOME")).toBe(`'it'\\''s $HOME'`);
  });

  it("refuses NUL, which no bash string can hold", () => {
    expect(() => quoteForBash("a\0b")).toThrow(/NUL/);
  });

  it("refuses a variable name bash would not accept", () => {
    expect(() => bashAssignment("1BAD", "x")).toThrow(/not a valid environment variable name/);
    expect(() => bashAssignment("A;B", "x")).toThrow(/not a valid environment variable name/);
  });
});
