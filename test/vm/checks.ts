/** The VM test's checklist: each check timed and recorded, a failure noted without stopping the rest. */

export interface Checks {
  /** Runs a check; its returned text (if any) is shown beside "ok". */
  run(name: string, check: () => Promise<string | void> | string | void): Promise<boolean>;
  fail(name: string, why: string): void;
  /** Prints every check and one summary line; returns the exit code. */
  summary(title: string): number;
}

export function newChecks(log: (line: string) => void): Checks {
  const results: { name: string; ok: boolean; detail: string; seconds: number }[] = [];
  return {
    async run(name, check) {
      const began = Date.now();
      try {
        const detail = (await check()) ?? "";
        results.push({ name, ok: true, detail, seconds: (Date.now() - began) / 1000 });
        log(`ok    ${name}${detail ? ` (${detail})` : ""}`);
        return true;
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        results.push({ name, ok: false, detail, seconds: (Date.now() - began) / 1000 });
        log(`FAIL  ${name}: ${detail}`);
        return false;
      }
    },
    fail(name, why) {
      results.push({ name, ok: false, detail: why, seconds: 0 });
      log(`FAIL  ${name}: ${why}`);
    },
    summary(title) {
      const passed = results.filter((result) => result.ok).length;
      console.log("");
      for (const result of results) console.log(`${result.ok ? "ok  " : "FAIL"}  ${result.name}  [${Math.round(result.seconds)} s]${result.ok ? "" : `: ${result.detail.split("\n")[0]}`}`);
      console.log(`${title}: ${passed}/${results.length} checks passed`);
      return passed === results.length && results.length > 0 ? 0 : 1;
    },
  };
}
