/**
 * The local lab's supervisor: what systemd is on the VM. A detached process per lab starts the
 * services `up` asks for, each in its own process group, and restarts a service that exits,
 * with backoff (1 s doubling to 30 s, back to 1 s after 30 s of good running), logged. A dead
 * service's whole group is killed first, so a worker it orphaned cannot keep its port.
 * `up` talks to it through two files: desired.json (what should run, and which generation of
 * its launch files) and services.json (what runs: process groups, restarts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { groupAlive, isAlive, sleep, StepError, stopGroup, waitFor } from "./processes";
import { openLog, SERVICE_NAMES, type ServiceName, serviceSpec } from "./services";
import { type LabPaths, labPaths, readState, writePrivateFile } from "./state";

export type Desired = Partial<Record<ServiceName, string>>;

export interface ServiceRuntime {
  readonly pgid: number;
  readonly generation: string;
  readonly startedAt: string;
  readonly restarts: number;
}

export interface SupervisorRuntime {
  readonly supervisorPid: number;
  /** The services running now. */
  readonly services: Partial<Record<ServiceName, ServiceRuntime>>;
  /** Restarts after a crash since the supervisor started, running or not. */
  readonly restarts: Partial<Record<ServiceName, number>>;
}

const FIRST_DELAY_MS = 1_000;
const LONGEST_DELAY_MS = 30_000;
/**
 * MLflow first; Postgres before S3, since its shutdown archives the last WAL segment through S3
 * (stopped after S3, its archive-push waited on a dead endpoint and outlived the lab).
 */
const SHUTDOWN_ORDER: readonly ServiceName[] = ["mlflow", "postgres", "s3tls", "s3"];
/** A service that ran this long before exiting is restarted after the first delay again. */
const GOOD_RUN_MS = 30_000;
const TICK_MS = 250;

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

export function readRuntime(paths: LabPaths): SupervisorRuntime | undefined {
  return readJson<SupervisorRuntime>(paths.supervisor.runtime);
}

export function supervisorRunning(paths: LabPaths): boolean {
  return isAlive(readRuntime(paths)?.supervisorPid);
}

export function writeDesired(paths: LabPaths, desired: Desired): void {
  writePrivateFile(paths.supervisor.desired, `${JSON.stringify({ services: desired })}\n`);
}

export function readDesired(paths: LabPaths): Desired {
  return readJson<{ services: Desired }>(paths.supervisor.desired)?.services ?? {};
}

/**
 * Kills the process groups a dead supervisor left behind (it was killed, or the machine's
 * session ended): they are the lab's own and may hold its ports. Returns the names recovered.
 */
export async function recoverOrphans(paths: LabPaths): Promise<ServiceName[]> {
  const runtime = readRuntime(paths);
  if (!runtime || isAlive(runtime.supervisorPid)) return [];
  const recovered: ServiceName[] = [];
  const state = readState(paths);
  for (const name of SHUTDOWN_ORDER) {
    const pgid = runtime.services[name]?.pgid;
    if (groupAlive(pgid) && pgid !== undefined) {
      await stopGroup(pgid, 10_000, state ? serviceSpec(name, paths, state).stopSignal : "SIGTERM");
      recovered.push(name);
    }
  }
  fs.rmSync(paths.supervisor.runtime, { force: true });
  return recovered;
}

/** Starts the lab's supervisor, detached, unless one runs; returns once it has said it runs. */
export async function startSupervisor(paths: LabPaths, name: string): Promise<void> {
  if (supervisorRunning(paths)) return;
  fs.mkdirSync(path.dirname(paths.supervisor.log), { recursive: true, mode: 0o700 });
  fs.rmSync(paths.supervisor.runtime, { force: true });
  const log = openLog(paths.supervisor.log);
  const child = spawn(process.execPath, [path.join(__dirname, "supervise.js"), name], { detached: true, stdio: ["ignore", log, log], env: process.env });
  fs.closeSync(log);
  child.unref();
  const started = () => Promise.resolve(readRuntime(paths)?.supervisorPid === child.pid);
  await waitFor("supervisor", started, 30_000, () => !isAlive(child.pid)).catch((error: unknown) => {
    const tail = fs.readFileSync(paths.supervisor.log, "utf8").trim().split("\n").slice(-5).join("\n");
    throw new StepError(`${(error as Error).message}; its log (${paths.supervisor.log}) ends:\n${tail}`);
  });
}

/** Asks the supervisor to stop every service and itself; waits until it has. */
export async function stopSupervisor(paths: LabPaths, timeoutMs = 60_000): Promise<void> {
  const pid = readRuntime(paths)?.supervisorPid;
  if (!isAlive(pid) || pid === undefined) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
}

interface Running {
  readonly child: ChildProcess;
  readonly pgid: number;
  readonly generation: string;
  readonly startedAt: number;
  stopping: boolean;
}

/** The supervisor's loop; runs in the detached process until SIGTERM. */
export class Supervisor {
  private readonly paths: LabPaths;
  private readonly running = new Map<ServiceName, Running>();
  private readonly restarts = new Map<ServiceName, number>();
  private readonly delayMs = new Map<ServiceName, number>();
  private readonly notBefore = new Map<ServiceName, number>();
  private shuttingDown = false;

  constructor(private readonly name: string) {
    this.paths = labPaths(name);
  }

  private log(line: string): void {
    process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  }

  async run(): Promise<void> {
    process.on("SIGTERM", () => void this.shutdown());
    process.on("SIGINT", () => void this.shutdown());
    this.log(`supervisor of lab ${this.name} started (pid ${process.pid})`);
    this.writeRuntime();
    while (!this.shuttingDown) {
      await this.tick();
      await sleep(TICK_MS);
    }
  }

  private async tick(): Promise<void> {
    const desired = readDesired(this.paths);
    for (const name of SERVICE_NAMES) {
      const wanted = desired[name];
      const current = this.running.get(name);
      if (current && (wanted === undefined || current.generation !== wanted)) {
        this.log(`${name}: ${wanted === undefined ? "no longer wanted" : "launch files changed"}; stopping`);
        await this.stop(name);
      }
      if (wanted !== undefined && !this.running.has(name) && Date.now() >= (this.notBefore.get(name) ?? 0)) this.start(name, wanted);
    }
  }

  private start(name: ServiceName, generation: string): void {
    const state = readState(this.paths);
    if (!state) return;
    const spec = serviceSpec(name, this.paths, state);
    const log = openLog(spec.logFile);
    const child = spawn(spec.command, [...spec.args], { detached: true, stdio: ["ignore", log, log], env: spec.env });
    fs.closeSync(log);
    if (child.pid === undefined) {
      this.log(`${name}: cannot start ${spec.command}`);
      return;
    }
    const entry: Running = { child, pgid: child.pid, generation, startedAt: Date.now(), stopping: false };
    this.running.set(name, entry);
    this.log(`${name}: started (pid ${child.pid})`);
    child.on("exit", (code, signal) => void this.exited(name, entry, code, signal));
    this.writeRuntime();
  }

  private async exited(name: ServiceName, entry: Running, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (entry.stopping || this.shuttingDown) return;
    // What the dead leader left (MLflow's workers) would keep the port: kill the whole group.
    await stopGroup(entry.pgid, 2_000, "SIGKILL");
    const ranMs = Date.now() - entry.startedAt;
    const previous = this.delayMs.get(name);
    const delay = ranMs >= GOOD_RUN_MS || previous === undefined ? FIRST_DELAY_MS : Math.min(previous * 2, LONGEST_DELAY_MS);
    this.delayMs.set(name, delay);
    this.notBefore.set(name, Date.now() + delay);
    this.restarts.set(name, (this.restarts.get(name) ?? 0) + 1);
    this.running.delete(name);
    const how = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`;
    this.log(`${name}: exited (${how}) after ${Math.round(ranMs / 1000)} s; restarting in ${delay / 1000} s (restart ${this.restarts.get(name)})`);
    this.writeRuntime();
  }

  private async stop(name: ServiceName): Promise<void> {
    const entry = this.running.get(name);
    if (!entry) return;
    entry.stopping = true;
    const state = readState(this.paths);
    const signal = state ? serviceSpec(name, this.paths, state).stopSignal : "SIGTERM";
    await stopGroup(entry.pgid, 10_000, signal);
    this.running.delete(name);
    this.log(`${name}: stopped`);
    this.writeRuntime();
  }

  private async shutdown(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.log("stopping every service");
    for (const name of SHUTDOWN_ORDER) await this.stop(name);
    fs.rmSync(this.paths.supervisor.runtime, { force: true });
    this.log("supervisor stopped");
    process.exit(0);
  }

  private writeRuntime(): void {
    const services: Partial<Record<ServiceName, ServiceRuntime>> = {};
    for (const [name, entry] of this.running) {
      services[name] = { pgid: entry.pgid, generation: entry.generation, startedAt: new Date(entry.startedAt).toISOString(), restarts: this.restarts.get(name) ?? 0 };
    }
    const runtime: SupervisorRuntime = { supervisorPid: process.pid, services, restarts: Object.fromEntries(this.restarts) };
    writePrivateFile(this.paths.supervisor.runtime, `${JSON.stringify(runtime, null, 2)}\n`);
  }
}
