/** Small, explicit process helpers for the local lab: run, start detached, wait, stop. */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";

export class StepError extends Error {}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  readonly cwd?: string;
  /** Run as this OS user (via runuser) when we are root. */
  readonly asUser?: string;
}

function withUser(command: string, args: readonly string[], asUser?: string): [string, string[]] {
  return asUser !== undefined && process.getuid?.() === 0 ? ["runuser", ["-u", asUser, "--", command, ...args]] : [command, [...args]];
}

/** Runs a command to completion; on failure throws with what it printed (which holds no secret). */
export function run(what: string, command: string, args: readonly string[], options: RunOptions = {}): string {
  const [cmd, argv] = withUser(command, args, options.asUser);
  const result = spawnSync(cmd, argv, { env: options.env ?? process.env, input: options.input, cwd: options.cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new StepError(`${what}: cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) throw new StepError(`${what} failed (exit ${result.status}):\n${[result.stdout, result.stderr].map((text) => text.trim()).filter(Boolean).join("\n")}`);
  return result.stdout;
}

/** The last line of a command's output as JSON: Python tools print their report last, MLflow may log above it. */
export function lastJsonLine<T>(output: string): T {
  const lines = output.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as T;
}

/** Starts a long-running process in its own process group, output to a log file; returns its pid. */
export function startDetached(command: string, args: readonly string[], logFile: string, options: RunOptions = {}): number {
  const [cmd, argv] = withUser(command, args, options.asUser);
  const log = fs.openSync(logFile, "a", 0o600);
  const child = spawn(cmd, argv, { env: options.env ?? process.env, cwd: options.cwd, detached: true, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new StepError(`cannot start ${command}`);
  return child.pid;
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * True while any process of the group lives: the leader, or orphans it left (workers of a
 * killed server keep its process group, and its port).
 */
export function groupAlive(pgid: number | undefined): boolean {
  if (pgid === undefined) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    // EPERM: the group exists but belongs to another user (postgres when we are root).
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

/** Stops a whole process group: `signal` (TERM by default), then KILL after `graceMs`, as systemd does. */
export async function stopGroup(pgid: number, graceMs = 10_000, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  signalGroup(pgid, signal);
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pgid)) signalGroup(pgid, "SIGKILL");
  while (groupAlive(pgid)) await sleep(50);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, isDead?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (isDead?.()) throw new StepError(`${what}: the process exited during start`);
    await sleep(250);
  }
  throw new StepError(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s`);
}

/** True when an MLflow server at `baseUrl` answers /health within 2 s. */
export async function mlflowHealthy(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
}
