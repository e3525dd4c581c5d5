/**
 * The local lab: Postgres, an S3 server (versitygw) and the MLflow server on loopback, launched
 * from the same renderers as a real lab's VM and kept running by a supervisor, plus the
 * researcher bundle in out/<name>. Idempotent: `up` reuses what runs; `down` stops every
 * process of the lab, orphans included.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildLabConfig } from "../config/schema";
import type { LabConfig } from "../model/labConfig";
import type { LabValues } from "../model/labValues";
import { labValuesFor } from "../model/labValuesFor";
import type { ServerLaunchSpec } from "../model/launchSpec";
import { ADMIN_USERNAME, labResourceName } from "../model/names";
import { renderBundle } from "../templates/researcher/bundle";
import { writeBundle } from "../io/bundleWriter";
import { readLabKeys } from "../io/stackFile";
import { launchScripts, localLaunchSpec, writeLaunchFiles } from "./mlflowServer";
import { ensureBucket, s3Endpoint, s3Environment } from "./objectStore";
import { createLabDatabases, initCluster } from "./postgres";
import { portAnswers, run, StepError, waitFor } from "./processes";
import { pythonInBundleEnv } from "./researcherShell";
import { SERVICE_NAMES, type ServiceName, serviceSpec } from "./services";
import { type LabPaths, labPaths, type LabState, loadOrCreateState, readState, REPO_ROOT, S3_REGION, VENV, VERSITYGW, writePrivateFile } from "./state";
import { type Desired, readDesired, readRuntime, recoverOrphans, startSupervisor, stopSupervisor, supervisorRunning, writeDesired } from "./supervisor";

export { REPO_ROOT };

export interface LocalLabOptions {
  /** Lab name (DNS label): state in .lab/<name>, bundle in out/<name>. Default: local. */
  readonly name?: string;
  /** The stack file the lab's settings come from (stacks/Pulumi.<stack>.yaml). Default: local. */
  readonly stack?: string;
  /** Default: the stack's artifactMode. */
  readonly artifactMode?: "proxied" | "direct";
  /** Where progress lines go. Default: stdout. */
  readonly log?: (line: string) => void;
}

export interface LocalLabSummary {
  readonly trackingUri: string;
  readonly bundleDir: string;
  readonly adminUsername: string;
  readonly adminPasswordFile: string;
  readonly values: LabValues;
}

const START_TIMEOUT_MS: Record<ServiceName, number> = { postgres: 60_000, s3: 30_000, mlflow: 120_000 };

export class LocalLab {
  readonly name: string;
  readonly paths: LabPaths;
  readonly root: string;
  readonly bundleDir: string;
  private readonly stack: string;
  private readonly log: (line: string) => void;
  private readonly artifactMode?: "proxied" | "direct";

  constructor(options: LocalLabOptions = {}) {
    this.name = options.name ?? "local";
    this.stack = options.stack ?? "local";
    this.paths = labPaths(this.name);
    this.root = this.paths.root;
    this.bundleDir = this.paths.bundle;
    this.log = options.log ?? ((line) => console.log(line));
    this.artifactMode = options.artifactMode;
  }

  /** The lab's bucket on the local S3 server. */
  get bucket(): string {
    return labResourceName(this.name);
  }

  private step(component: string, message: string): void {
    this.log(`[${this.name}] ${component}: ${message}`);
  }

  /** The stack's settings as this lab runs them: its own name, loopback servers, offline folders here. */
  labConfig(): LabConfig<string> {
    const config = buildLabConfig<string>(readLabKeys(this.stack), {});
    return {
      ...config,
      lab: this.name,
      artifacts: { ...config.artifacts, mode: this.artifactMode ?? config.artifacts.mode },
      offline: { sqliteDbPath: path.join(this.root, "offline", "mlflow.db"), artifactsPath: path.join(this.root, "offline", "artifacts") },
    };
  }

  launchSpec(state: LabState = this.state()): ServerLaunchSpec {
    return localLaunchSpec(this.paths, state, this.labConfig(), this.bucket);
  }

  trackingUri(state: LabState = this.state()): string {
    return `http://127.0.0.1:${state.ports.mlflow}`;
  }

  s3Environment(state: LabState = this.state()): Record<string, string> {
    return s3Environment(state);
  }

  async up(): Promise<LocalLabSummary> {
    for (const [tool, file] of [["versitygw", VERSITYGW], ["the Python venv", path.join(VENV, "bin", "mlflow")]] as const) {
      if (!fs.existsSync(file)) throw new StepError(`${tool} is missing (${path.relative(REPO_ROOT, file)}): run npm run setup`);
    }
    const config = this.labConfig();
    // Traversable (not readable) by the postgres user, which owns the cluster folder inside.
    fs.mkdirSync(this.root, { recursive: true });
    fs.chmodSync(this.root, 0o711);
    fs.mkdirSync(this.paths.s3.data, { recursive: true, mode: 0o700 });
    const state = await loadOrCreateState(this.paths);
    initCluster(this.paths, (line) => this.step("postgres", line));
    const spec = localLaunchSpec(this.paths, state, config, this.bucket);
    const generation = writeLaunchFiles(spec);

    const recovered = await recoverOrphans(this.paths);
    if (recovered.length > 0) this.step("lab", `stopped what a dead supervisor left running: ${recovered.join(", ")}`);
    if (!supervisorRunning(this.paths)) {
      for (const name of SERVICE_NAMES) await this.guardPort(name, state);
      this.step("supervisor", "starting (restarts any service that stops)");
      await startSupervisor(this.paths, this.name);
    }

    const desired: Desired = { ...readDesired(this.paths), postgres: "1", s3: "1" };
    writeDesired(this.paths, desired);
    await this.waitReady("postgres", state);
    await this.waitReady("s3", state);
    createLabDatabases(this.paths, state, config.lab);
    ensureBucket(state, this.bucket);
    this.step("s3", `bucket ${this.bucket} ready`);

    const scripts = launchScripts(spec);
    const mlflowCurrent = readRuntime(this.paths)?.services.mlflow?.generation === generation && (await serviceSpec("mlflow", this.paths, state).ready());
    if (!mlflowCurrent) {
      if (desired.mlflow !== undefined && desired.mlflow !== generation) this.step("mlflow", "launch files changed: restarting");
      // Migrations run once, before the server starts, as on the VM.
      writeDesired(this.paths, { ...desired, mlflow: undefined });
      this.step("mlflow", "migrating the tracking and auth databases");
      run("mlflow migrate", scripts.migrate, []);
      writeDesired(this.paths, { ...desired, mlflow: generation });
    }
    await this.waitReady("mlflow", state);
    run("mlflow researcher account", scripts.createResearcher, []);
    this.step("mlflow", `researcher account ${config.lab} ready`);

    const values = labValuesFor(config, {
      trackingUri: this.trackingUri(state),
      researcherPassword: state.secrets.researcherPassword,
      ...(config.artifacts.mode === "direct"
        ? { directArtifacts: { s3EndpointUrl: s3Endpoint(state), region: S3_REGION, bucket: this.bucket, accessKeyId: state.secrets.s3AccessKey, secretAccessKey: state.secrets.s3SecretKey } }
        : {}),
    });
    writePrivateFile(this.paths.labValues, `${JSON.stringify(values, null, 2)}\n`);
    writeBundle(renderBundle(values, this.bundleDir), this.bundleDir);
    this.step("bundle", `written to ${path.relative(process.cwd(), this.bundleDir) || "."}`);
    writePrivateFile(this.paths.adminPassword, `${state.secrets.adminPassword}\n`);
    return { trackingUri: this.trackingUri(state), bundleDir: this.bundleDir, adminUsername: ADMIN_USERNAME, adminPasswordFile: this.paths.adminPassword, values };
  }

  /** With no supervisor and its orphans stopped, anything on the lab's ports is someone else's. */
  private async guardPort(name: ServiceName, state: LabState): Promise<void> {
    const port = state.ports[name];
    if (await portAnswers(port)) {
      throw new StepError(`${name}: port ${port} is taken by another process; stop it, or remove ${path.relative(process.cwd(), this.paths.state)} to pick new ports`);
    }
  }

  private async waitReady(name: ServiceName, state: LabState): Promise<void> {
    const spec = serviceSpec(name, this.paths, state);
    if (await spec.ready()) {
      this.step(name, `running (port ${state.ports[name]})`);
      return;
    }
    this.step(name, `starting on 127.0.0.1:${state.ports[name]}`);
    await waitFor(name, spec.ready, START_TIMEOUT_MS[name], () => !supervisorRunning(this.paths));
    this.step(name, `ready on 127.0.0.1:${state.ports[name]}`);
  }

  async down(): Promise<void> {
    if (!readState(this.paths)) {
      this.step("lab", "nothing to stop (never started)");
      return;
    }
    if (supervisorRunning(this.paths)) {
      this.step("lab", "stopping mlflow, s3 and postgres");
      await stopSupervisor(this.paths);
    }
    const recovered = await recoverOrphans(this.paths);
    if (recovered.length > 0) this.step("lab", `stopped leftover processes of ${recovered.join(", ")}`);
    writeDesired(this.paths, {});
    this.step("lab", "stopped");
  }

  /** One line per service; true when every one answers. */
  async status(): Promise<boolean> {
    const state = readState(this.paths);
    if (!state) {
      this.step("lab", "not created (run mlflow-lab local up)");
      return false;
    }
    const runtime = readRuntime(this.paths);
    const supervised = supervisorRunning(this.paths);
    let healthy = supervised;
    this.step("supervisor", supervised ? `running (pid ${runtime?.supervisorPid})` : "stopped");
    for (const name of SERVICE_NAMES) {
      const up = supervised && (await serviceSpec(name, this.paths, state).ready());
      healthy &&= up;
      const restarts = runtime?.restarts[name] ?? 0;
      const where = name === "mlflow" ? this.trackingUri(state) : `127.0.0.1:${state.ports[name]}`;
      this.step(name, `${up ? `running on ${where}` : "stopped"}${restarts > 0 ? ` (restarted ${restarts} time${restarts === 1 ? "" : "s"})` : ""}`);
    }
    return healthy;
  }

  /** The lab's internal state (ports, secrets): for tests and benchmarks that check the parts directly. */
  state(): LabState {
    const state = readState(this.paths);
    if (!state) throw new StepError(`lab ${this.name} was never started`);
    return state;
  }

  /** Runs a Python script the way a researcher would, through the bundle's mlflow_env.sh. */
  pythonInBundleEnv(what: string, script: string, args: readonly string[] = [], env: Record<string, string> = {}): string {
    return pythonInBundleEnv(this.bundleDir, what, script, args, env);
  }

  /** Runs scripts/sample_train.py through the bundle's mlflow_env.sh; returns the run id. */
  runSample(): string {
    this.step("sample", "training through source mlflow_env.sh");
    const output = this.pythonInBundleEnv("sample training run", path.join(REPO_ROOT, "scripts", "sample_train.py"));
    const match = /run_id=([0-9a-f]+)/.exec(output);
    if (!match) throw new StepError(`sample training run printed no run id:\n${output}`);
    return match[1];
  }
}
