import { spawnSync } from "node:child_process";

/** Runs a bash script with a clean environment and returns its stdout; throws on failure. */
export function runBash(script: string, options: { cwd?: string; env?: Record<string, string> } = {}): string {
  const result = spawnSync("bash", ["--noprofile", "--norc", "-c", script], {
    cwd: options.cwd,
    env: { PATH: "/usr/bin:/bin", ...options.env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`bash exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** Splits `printf '%s\0' ...` output into values. */
export function splitNul(output: string): string[] {
  const parts = output.split("\0");
  parts.pop();
  return parts;
}

/** Runs a bash script and returns the environment it leaves, by name. */
export function environmentAfter(script: string, options: { cwd?: string; env?: Record<string, string> } = {}): Record<string, string> {
  const output = runBash(`${script}\nenv -0`, options);
  return Object.fromEntries(splitNul(output).map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

/** The environment of a job script that has each mltf `environment` entry after `export `, as the plugin writes it. */
export function jobEnvironment(entries: readonly string[], cwd?: string): Record<string, string> {
  return environmentAfter(entries.map((entry) => `export ${entry}`).join("\n"), { cwd });
}

/** shellcheck's findings for a file, [] when clean. */
export function shellcheck(file: string): string {
  const result = spawnSync("shellcheck", ["--severity=style", "--format=gcc", file], { encoding: "utf8" });
  if (result.error) throw result.error;
  return result.stdout;
}
