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
import type { AuthServer } from "../io/mlflowAccounts";
import { valuesForJobAccount } from "../model/members";
import { ADMIN_USERNAME, jobAccountName, labResourceName } from "../model/names";
import { reconcileMembers, writeMemberBundles } from "./members";
import { renderBundle } from "../templates/researcher/bundle";
import { writeBundle } from "../io/bundleWriter";
import { readLabKeys } from "../io/stackFile";
import { launchScripts, localLaunchSpec, localUpgradeSite, writeLaunchFiles } from "./mlflowServer";
import { renderUpgradeScript } from "../templates/server/upgrade";
import { MLFLOW_VERSION } from "../model/versions";
import { ensureBucket, s3Endpoint, s3Environment } from "./objectStore";
import { backupCommands, createStanza, localBackupSpec, writeBackupFiles } from "./backup";
import { createLabDatabases, initCluster } from "./postgres";
import { ensureLocalhostCertificate } from "./tls";
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
  /** The MLflow version the server runs; a change goes through mlflow-upgrade. Default: the pinned one. */
  readonly mlflowVersion?: string;
  /** Where progress lines go. Default: stdout. */
  readonly log?: (line: string) => void;
}

export interface LocalLabSummary {
  readonly trackingUri: string;
  /** The lab-wide job account's bundle. */
  readonly bundleDir: string;
  /** Each member's bundle, by username. */
  readonly memberBundles: Readonly<Record<string, string>>;
  readonly adminUsername: string;
  readonly adminPasswordFile: string;
  readonly values: LabValues;
}

const START_TIMEOUT_MS: Record<ServiceName, number> = { postgres: 60_000, s3: 30_000, s3tls: 30_000, mlflow: 120_000 };

export class LocalLab {
  readonly name: string;
  readonly paths: LabPaths;
  readonly root: string;
  readonly bundleDir: string;
  private readonly stack: string;
  private readonly log: (line: string) => void;
  private readonly artifactMode?: "proxied" | "direct";
  readonly mlflowVersion: string;

  constructor(options: LocalLabOptions = {}) {
    this.mlflowVersion = options.mlflowVersion ?? MLFLOW_VERSION;
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
    fs.mkdirSync(this.paths.s3.versions, { recursive: true, mode: 0o700 });
    const state = await loadOrCreateState(this.paths);
    initCluster(this.paths, (line) => this.step("postgres", line));
    ensureLocalhostCertificate(this.paths);
    const spec = localLaunchSpec(this.paths, state, config, this.bucket);
    const generation = writeLaunchFiles(spec, this.mlflowVersion);
    const backup = localBackupSpec(this.name, this.paths, state, config, this.bucket);
    writeBackupFiles(backup, spec, this.paths);
    const upgrade = renderUpgradeScript(spec, localUpgradeSite(this.paths, this.mlflowVersion), backup, true);
    fs.writeFileSync(upgrade.path, upgrade.content, { mode: upgrade.mode });

    const recovered = await recoverOrphans(this.paths);
    if (recovered.length > 0) this.step("lab", `stopped what a dead supervisor left running: ${recovered.join(", ")}`);
    if (!supervisorRunning(this.paths)) {
      for (const name of SERVICE_NAMES) await this.guardPort(name, state);
      this.step("supervisor", "starting (restarts any service that stops)");
      await startSupervisor(this.paths, this.name);
    }

    const desired: Desired = { ...readDesired(this.paths), postgres: "1", s3: "1", s3tls: "1" };
    writeDesired(this.paths, desired);
    for (const name of ["postgres", "s3", "s3tls"] as const) await this.waitReady(name, state);
    createLabDatabases(this.paths, state, config.lab);
    ensureBucket(state, this.bucket);
    this.step("s3", `bucket ${this.bucket} ready, versioned`);
    createStanza(backup.site);
    this.step("backup", "pgBackRest stanza ready, WAL archived");

    const scripts = launchScripts(spec);
    const recordedVersion = fs.existsSync(path.join(this.root, "mlflow-version")) ? fs.readFileSync(path.join(this.root, "mlflow-version"), "utf8").trim() : undefined;
    const mlflowCurrent = recordedVersion === this.mlflowVersion && readRuntime(this.paths)?.services.mlflow?.generation === generation && (await serviceSpec("mlflow", this.paths, state).ready());
    if (!mlflowCurrent) {
      if (desired.mlflow !== undefined && desired.mlflow !== generation) this.step("mlflow", "launch files or version changed");
      // As on the VM: the version's venv, migrations once before the server starts, and on a
      // version change a backup first and a rollback on failure.
      this.step("mlflow", `mlflow-upgrade to MLflow ${this.mlflowVersion}`);
      const upgraded = run("mlflow-upgrade", upgrade.path, []);
      for (const line of upgraded.split("\n").filter((text) => text.startsWith("[mlflow-upgrade]"))) this.step("mlflow", line);
      writeDesired(this.paths, { ...readDesired(this.paths), mlflow: generation });
    }
    await this.waitReady("mlflow", state);
    run("mlflow job account", scripts.createResearcher, []);
    this.step("mlflow", `job account ${jobAccountName(config.lab)} ready`);
    const reconciled = await reconcileMembers(this.paths, state, this.authServer(state), config.members, (line) => this.step("mlflow", line));

    const values = labValuesFor(config, {
      trackingUri: this.trackingUri(state),
      researcherPassword: state.secrets.researcherPassword,
      memberPasswords: reconciled.secrets.memberPasswords ?? {},
      ...(config.artifacts.mode === "direct"
        ? { directArtifacts: { s3EndpointUrl: s3Endpoint(state), region: S3_REGION, bucket: this.bucket, accessKeyId: state.secrets.s3AccessKey, secretAccessKey: state.secrets.s3SecretKey } }
        : {}),
    });
    writePrivateFile(this.paths.labValues, `${JSON.stringify(values, null, 2)}\n`);
    writeBundle(renderBundle(valuesForJobAccount(values), this.bundleDir), this.bundleDir);
    this.step("bundle", `job account's written to ${path.relative(process.cwd(), this.bundleDir) || "."}`);
    const memberBundles = writeMemberBundles(this.paths, values);
    for (const dir of Object.values(memberBundles)) this.step("bundle", `member's written to ${path.relative(process.cwd(), dir)}`);
    writePrivateFile(this.paths.adminPassword, `${state.secrets.adminPassword}\n`);
    return { trackingUri: this.trackingUri(state), bundleDir: this.bundleDir, memberBundles, adminUsername: ADMIN_USERNAME, adminPasswordFile: this.paths.adminPassword, values };
  }

  /** The server's auth API as the admin reaches it. */
  authServer(state: LabState = this.state()): AuthServer {
    return { url: this.trackingUri(state), admin: { username: ADMIN_USERNAME, password: state.secrets.adminPassword } };
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

  /** Stops the lab and deletes everything it holds: state, database, objects, backups, bundle. */
  async destroy(): Promise<void> {
    if (readState(this.paths)) await this.down();
    fs.rmSync(this.root, { recursive: true, force: true });
    fs.rmSync(this.bundleDir, { recursive: true, force: true });
    this.step("lab", "destroyed");
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
    this.step("backup", this.lastBackup());
    return healthy;
  }

  /** The age of the last good backup, as mlflow-backups reports it. */
  private lastBackup(): string {
    try {
      return this.backups().trim().split("\n").pop()?.replace(/^last good backup: /, "last good ") ?? "";
    } catch {
      return "none readable yet (mlflow-lab local backup --type full)";
    }
  }

  private backupScripts() {
    return backupCommands(this.launchSpec());
  }

  /** Backs up the tracking database now (the rendered mlflow-backup); returns what it printed. */
  backup(type: "full" | "diff" | "incr" = "incr"): string {
    return run("mlflow-backup", this.backupScripts().backup, [type]);
  }

  /** The repository's backups and the age of the last good one (mlflow-backups). */
  backups(): string {
    return run("mlflow-backups", this.backupScripts().backups, []);
  }

  /** Restores the lab to a point in time, or to the end of the archive (mlflow-restore). */
  restore(to: string, force = false): string {
    return run("mlflow-restore", this.backupScripts().restore, ["--to", to, ...(force ? ["--force"] : [])]);
  }

  /** Stops or starts one service through the supervisor, and waits for it. */
  async service(name: "mlflow" | "postgres", action: "start" | "stop"): Promise<void> {
    const state = this.state();
    const desired = readDesired(this.paths);
    if (action === "stop") {
      writeDesired(this.paths, { ...desired, [name]: undefined });
      await waitFor(`${name} stopped`, () => Promise.resolve(readRuntime(this.paths)?.services[name] === undefined), 120_000);
      return;
    }
    const generation = name === "mlflow" ? writeLaunchFiles(this.launchSpec(state), this.mlflowVersion) : "1";
    writeDesired(this.paths, { ...desired, [name]: generation });
    await this.waitReady(name, state);
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
