import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { keysChanging, keySpec } from "../config/keys";
import { measureServerEffects } from "./helpers/serverEffects";

describe("what a config change does to the server VM", () => {
  it("is, for every key, what the key table declares: measured by changing the key in the example stack", async () => {
    const measured = await measureServerEffects();
    expect(measured.filter((entry) => entry.effect === undefined).map((entry) => entry.key)).toEqual([]);
    const declared = measured.map(({ key }) => ({ key, effect: keySpec(key).server ?? "untouched" }));
    expect(measured.map(({ key, effect }) => ({ key, effect }))).toEqual(declared);
  }, 180_000);

  it("is listed in the README and in the plan, key by key", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    for (const effect of ["replaced", "changed in place"] as const) {
      const line = readme.split("\n").find((text) => text.startsWith(`- **${effect}**`));
      expect(line, `README line "- **${effect}**: ..."`).toBeDefined();
      const listed = [...new Set([...(line ?? "").matchAll(/`(\w+)`/g)].map((match) => match[1]))].sort();
      expect(listed).toEqual([...keysChanging(effect)].sort());
    }
  });
});
