/**
 * The local lab: Postgres, an S3 server (versitygw) and the MLflow server on loopback, started
 * from the same renderers as a real lab's VM, plus the researcher bundle in out/<name>.
 * Idempotent: `up` reuses what runs; `down` stops, by pid, every process it started.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { labValuesFor } from "../model/labValuesFor";
import { buildLabConfig, type LabConfig } from "../config/schema";
import { renderBundle } from "../templates/researcher/bundle";
import { labDatabaseNames, POSTGRES_SETTINGS, postgresUri, renderDatabaseSetupSql } from "../templates/server/database";
import type { LabValues } from "../model/labValues";
import { ADMIN_USERNAME, type ServerLaunchSpec, renderServerFiles, SERVER_DEFAULTS, serverFilePaths } from "../templates/server/launch";
import { quoteForBash } from "../templates/shell";
import { writeBundle } from "../cli/bundleWriter";
import { freePort, isAlive, mlflowHealthy, portAnswers, run, startDetached, StepError, stopGroup, waitFor } from "./processes";
import { readLabKeys } from "../cli/stackFile";

export const REPO_ROOT = path.join(__dirname, "..");
const VENV = path.join(REPO_ROOT, ".venv");
const VERSITYGW = path.join(REPO_ROOT, ".lab", "bin", "versitygw");
const POSTGRES_USER = "postgres";
const S3_REGION = "us-east-1";

export interface LocalLabOptions {
  /** Lab name (DNS label): state in .lab/<name>, bundle in out/<name>. Default: local. */
  readonly name?: string;
  /** Default: the local stack's artifactMode (proxied). */
  readonly artifactMode?: "proxied" | "direct";
  /** Where progress lines go. Default: stdout. */
  readonly log?: (line: string) => void;
}

interface LabState {
  ports: { postgres: number; s3: number; mlflow: number };
  pids: { s3?: number; mlflow?: number };
  secrets: { dbPassword: string; adminPassword: string; researcherPassword: string; flaskSecretKey: string; s3AccessKey: string; s3SecretKey: string };
}

export interface LocalLabSummary {
  readonly trackingUri: string;
  readonly bundleDir: string;
  readonly adminUsername: string;
  readonly adminPasswordFile: string;
  readonly values: LabValues;
}

const secret = () => randomBytes(24).toString("hex");

export class LocalLab {
  readonly name: string;
  readonly root: string;
  readonly bundleDir: string;
  private readonly log: (line: string) => void;
  private readonly artifactMode?: "proxied" | "direct";

  constructor(options: LocalLabOptions = {}) {
    this.name = options.name ?? "local";
    this.root = path.join(REPO_ROOT, ".lab", this.name);
    this.bundleDir = path.join(REPO_ROOT, "out", this.name);
    this.log = options.log ?? ((line) => console.log(line));
    this.artifactMode = options.artifactMode;
  }

  private get stateFile() {
    return path.join(this.root, "state.json");
  }

  private readState(): LabState | undefined {
    return fs.existsSync(this.stateFile) ? (JSON.parse(fs.readFileSync(this.stateFile, "utf8")) as LabState) : undefined;
  }

  private writeState(state: LabState): void {
    fs.writeFileSync(this.stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  }

  private step(component: string, message: string): void {
    this.log(`[${this.name}] ${component}: ${message}`);
  }

  /** The local stack's config, with this lab's name, loopback endpoints and folders. */
  labConfig(state: LabState): LabConfig<string> {
    const config = buildLabConfig<string>(readLabKeys("local"), {});
    return {
      ...config,
      lab: this.name,
      objectStore: {
        ...config.objectStore,
        s3EndpointUrl: `http://127.0.0.1:${state.ports.s3}`,
        region: S3_REGION,
        bucketName: `mlflow-${this.name}`,
        artifactMode: this.artifactMode ?? config.objectStore.artifactMode,
      },
      offline: { sqliteDbPath: path.join(this.root, "offline", "mlflow.db"), artifactsPath: path.join(this.root, "offline", "artifacts") },
    };
  }

  async up(): Promise<LocalLabSummary> {
    for (const [tool, file] of [["versitygw", VERSITYGW], ["the Python venv", path.join(VENV, "bin", "mlflow")]] as const) {
      if (!fs.existsSync(file)) throw new StepError(`${tool} is missing (${path.relative(REPO_ROOT, file)}): run npm run setup`);
    }
    // Traversable (not readable) by the postgres user, which owns the cluster folder inside.
    fs.mkdirSync(this.root, { recursive: true });
    fs.chmodSync(this.root, 0o711);
    const state = this.readState() ?? {
      ports: { postgres: await freePort(), s3: await freePort(), mlflow: await freePort() },
      pids: {},
      secrets: { dbPassword: secret(), adminPassword: secret(), researcherPassword: secret(), flaskSecretKey: secret(), s3AccessKey: secret().slice(0, 20), s3SecretKey: secret() },
    };
    this.writeState(state);
    const config = this.labConfig(state);

    await this.startPostgres(state, config);
    await this.startS3(state, config);
    await this.startMlflow(state, config);

    const values = labValuesFor(config, {
      trackingUri: this.trackingUri(state),
      researcherPassword: state.secrets.researcherPassword,
      ...(config.objectStore.artifactMode === "direct"
        ? { directArtifacts: { bucket: config.objectStore.bucketName, accessKeyId: state.secrets.s3AccessKey, secretAccessKey: state.secrets.s3SecretKey } }
        : {}),
    });
    fs.writeFileSync(path.join(this.root, "labValues.json"), `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
    writeBundle(renderBundle(values, this.bundleDir), this.bundleDir);
    this.step("bundle", `written to ${path.relative(process.cwd(), this.bundleDir) || "."}`);
    const adminPasswordFile = path.join(this.root, "admin-password");
    fs.writeFileSync(adminPasswordFile, `${state.secrets.adminPassword}\n`, { mode: 0o600 });
    return { trackingUri: this.trackingUri(state), bundleDir: this.bundleDir, adminUsername: ADMIN_USERNAME, adminPasswordFile, values };
  }

  trackingUri(state: LabState): string {
    return `http://127.0.0.1:${state.ports.mlflow}`;
  }

  private async guardPort(component: string, port: number, ours: boolean): Promise<void> {
    if (!ours && (await portAnswers(port))) {
      throw new StepError(`${component}: port ${port} is taken by another process; stop it, or remove ${path.relative(process.cwd(), this.stateFile)} to pick new ports`);
    }
  }

  // --- Postgres: a private cluster in .lab/<name>/postgres, run as the postgres user when root.
  private postgresPaths() {
    const dir = path.join(this.root, "postgres");
    return { dir, data: path.join(dir, "data"), socket: path.join(dir, "run"), log: path.join(dir, "postgres.log") };
  }

  private postgresBin(tool: string): string {
    const versions = fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql").sort((a, b) => Number(a) - Number(b)) : [];
    if (versions.length === 0) throw new StepError("postgres: not installed; run npm run setup");
    return `/usr/lib/postgresql/${versions[versions.length - 1]}/bin/${tool}`;
  }

  private postgresUser(): string | undefined {
    return process.getuid?.() === 0 ? POSTGRES_USER : undefined;
  }

  private postgresRunning(): boolean {
    const { data } = this.postgresPaths();
    if (!fs.existsSync(path.join(data, "PG_VERSION"))) return false;
    try {
      run("postgres status", this.postgresBin("pg_ctl"), ["-D", data, "status"], { asUser: this.postgresUser() });
      return true;
    } catch {
      return false;
    }
  }

  private async startPostgres(state: LabState, config: LabConfig<string>): Promise<void> {
    const paths = this.postgresPaths();
    const asUser = this.postgresUser();
    if (!fs.existsSync(path.join(paths.data, "PG_VERSION"))) {
      this.step("postgres", `initdb in ${path.relative(process.cwd(), paths.data)}`);
      fs.mkdirSync(paths.socket, { recursive: true, mode: 0o700 });
      if (asUser) run("chown", "chown", ["-R", `${asUser}:${asUser}`, paths.dir]);
      // Socket access is limited to the owner by the 0700 socket folder, so trust suffices there.
      run("postgres initdb", this.postgresBin("initdb"), ["-D", paths.data, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256"], { asUser });
    }
    if (this.postgresRunning()) {
      this.step("postgres", `running on 127.0.0.1:${state.ports.postgres}`);
    } else {
      await this.guardPort("postgres", state.ports.postgres, false);
      this.step("postgres", `starting on 127.0.0.1:${state.ports.postgres}`);
      const settings = Object.entries(POSTGRES_SETTINGS).map(([name, value]) => `-c ${name}=${quoteForBash(value)}`);
      const options = [`-p ${state.ports.postgres}`, `-k ${quoteForBash(paths.socket)}`, "-c listen_addresses=127.0.0.1", ...settings].join(" ");
      run("postgres start", this.postgresBin("pg_ctl"), ["-D", paths.data, "-l", paths.log, "-w", "-t", "60", "-o", options, "start"], { asUser });
    }
    // The same names and SQL as the VM's bootstrap.
    const names = labDatabaseNames(config.lab);
    run(
      "postgres role and databases",
      this.postgresBin("psql"),
      ["-h", paths.socket, "-p", String(state.ports.postgres), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-v", `role=${names.role}`, "-v", `tracking=${names.tracking}`, "-v", `auth=${names.auth}`],
      { input: renderDatabaseSetupSql(), env: { ...process.env, DB_PASSWORD: state.secrets.dbPassword } },
    );
  }

  // --- S3: versitygw over a folder, the root key from the environment (never argv).
  private async startS3(state: LabState, config: LabConfig<string>): Promise<void> {
    const dir = path.join(this.root, "s3");
    const data = path.join(dir, "data");
    fs.mkdirSync(data, { recursive: true, mode: 0o700 });
    const ours = isAlive(state.pids.s3);
    if (ours && (await portAnswers(state.ports.s3))) {
      this.step("s3", `running on 127.0.0.1:${state.ports.s3} (pid ${state.pids.s3})`);
    } else {
      await this.guardPort("s3", state.ports.s3, ours);
      this.step("s3", `starting versitygw on 127.0.0.1:${state.ports.s3}`);
      const pid = startDetached(VERSITYGW, ["--port", `127.0.0.1:${state.ports.s3}`, "--region", S3_REGION, "--quiet", "posix", data], path.join(dir, "versitygw.log"), {
        env: { ...process.env, ROOT_ACCESS_KEY_ID: state.secrets.s3AccessKey, ROOT_SECRET_ACCESS_KEY: state.secrets.s3SecretKey },
      });
      state.pids.s3 = pid;
      this.writeState(state);
      await waitFor("s3", () => portAnswers(state.ports.s3), 30_000, () => !isAlive(pid));
    }
    this.python(
      "s3 bucket",
      [
        "import os, boto3",
        "s3 = boto3.client('s3', endpoint_url=os.environ['MLFLOW_S3_ENDPOINT_URL'], region_name=os.environ['AWS_DEFAULT_REGION'])",
        "names = [b['Name'] for b in s3.list_buckets().get('Buckets', [])]",
        "bucket = os.environ['LAB_BUCKET']",
        "bucket in names or s3.create_bucket(Bucket=bucket)",
      ].join("\n"),
      { ...this.s3Environment(state), LAB_BUCKET: config.objectStore.bucketName },
    );
    this.step("s3", `bucket ${config.objectStore.bucketName} ready`);
  }

  s3Environment(state: LabState): Record<string, string> {
    return {
      MLFLOW_S3_ENDPOINT_URL: `http://127.0.0.1:${state.ports.s3}`,
      AWS_ACCESS_KEY_ID: state.secrets.s3AccessKey,
      AWS_SECRET_ACCESS_KEY: state.secrets.s3SecretKey,
      AWS_DEFAULT_REGION: S3_REGION,
    };
  }

  private python(what: string, code: string, env: Record<string, string>): string {
    return run(what, path.join(VENV, "bin", "python"), ["-c", code], { env: { ...process.env, ...env } });
  }

  // --- MLflow: exactly the launch files the VM gets, in .lab/<name>/server.
  launchSpec(state: LabState, config: LabConfig<string>): ServerLaunchSpec {
    const names = labDatabaseNames(config.lab);
    const database = (name: string) => postgresUri({ role: names.role, password: state.secrets.dbPassword, host: "127.0.0.1", port: state.ports.postgres, database: name });
    const bucketPath = `s3://${config.objectStore.bucketName}/artifacts`;
    return {
      lab: config.lab,
      layout: { configDir: path.join(this.root, "server", "etc"), binDir: path.join(this.root, "server", "bin"), venvDir: VENV },
      ...SERVER_DEFAULTS,
      port: state.ports.mlflow,
      allowedHosts: [`127.0.0.1:${state.ports.mlflow}`, `localhost:${state.ports.mlflow}`],
      backendStoreUri: database(names.tracking),
      authDatabaseUri: database(names.auth),
      artifacts: config.objectStore.artifactMode === "direct" ? { mode: "direct", root: bucketPath } : { mode: "proxied", destination: bucketPath },
      s3: { endpointUrl: config.objectStore.s3EndpointUrl, accessKeyId: state.secrets.s3AccessKey, secretAccessKey: state.secrets.s3SecretKey, region: S3_REGION },
      admin: { username: ADMIN_USERNAME, password: state.secrets.adminPassword },
      researcher: { username: config.lab, password: state.secrets.researcherPassword },
      flaskSecretKey: state.secrets.flaskSecretKey,
    };
  }

  private async startMlflow(state: LabState, config: LabConfig<string>): Promise<void> {
    const spec = this.launchSpec(state, config);
    let changed = false;
    for (const file of renderServerFiles(spec)) {
      fs.mkdirSync(path.dirname(file.path), { recursive: true, mode: 0o700 });
      changed ||= !fs.existsSync(file.path) || fs.readFileSync(file.path, "utf8") !== file.content;
      fs.writeFileSync(file.path, file.content, { mode: file.mode });
      fs.chmodSync(file.path, file.mode);
    }
    const paths = serverFilePaths(spec.layout);
    const healthy = () => mlflowHealthy(this.trackingUri(state));
    const ours = isAlive(state.pids.mlflow);
    if (ours && changed) this.step("mlflow", "launch files changed: restarting");
    if (ours && !changed && (await healthy())) {
      this.step("mlflow", `running on ${this.trackingUri(state)} (pid ${state.pids.mlflow})`);
    } else {
      if (ours && state.pids.mlflow !== undefined) await stopGroup(state.pids.mlflow);
      await this.guardPort("mlflow", state.ports.mlflow, false);
      this.step("mlflow", "migrating the tracking and auth databases");
      run("mlflow migrate", paths.migrate, []);
      this.step("mlflow", `starting the server on ${this.trackingUri(state)}`);
      const pid = startDetached(paths.launch, [], path.join(this.root, "server", "mlflow.log"));
      state.pids.mlflow = pid;
      this.writeState(state);
      await waitFor("mlflow", healthy, 120_000, () => !isAlive(pid));
    }
    run("mlflow researcher account", paths.createResearcher, []);
    this.step("mlflow", `researcher account ${config.lab} ready`);
  }

  async down(): Promise<void> {
    const state = this.readState();
    if (!state) {
      this.step("lab", "nothing to stop (never started)");
      return;
    }
    for (const component of ["mlflow", "s3"] as const) {
      const pid = state.pids[component];
      if (isAlive(pid) && pid !== undefined) {
        this.step(component, `stopping pid ${pid}`);
        await stopGroup(pid);
      } else {
        this.step(component, "not running");
      }
      delete state.pids[component];
      this.writeState(state);
    }
    if (this.postgresRunning()) {
      this.step("postgres", "stopping");
      run("postgres stop", this.postgresBin("pg_ctl"), ["-D", this.postgresPaths().data, "-m", "fast", "-w", "stop"], { asUser: this.postgresUser() });
    } else {
      this.step("postgres", "not running");
    }
  }

  async status(): Promise<boolean> {
    const state = this.readState();
    if (!state) {
      this.step("lab", "not created (run mlflow-lab local up)");
      return false;
    }
    const postgres = this.postgresRunning();
    const s3 = isAlive(state.pids.s3) && (await portAnswers(state.ports.s3));
    const mlflow = isAlive(state.pids.mlflow) && (await mlflowHealthy(this.trackingUri(state)));
    this.step("postgres", postgres ? `running on 127.0.0.1:${state.ports.postgres}` : "stopped");
    this.step("s3", s3 ? `running on 127.0.0.1:${state.ports.s3} (pid ${state.pids.s3})` : "stopped");
    this.step("mlflow", mlflow ? `running on ${this.trackingUri(state)} (pid ${state.pids.mlflow})` : "stopped");
    return postgres && s3 && mlflow;
  }

  /** The lab's internal state (ports, secrets): for tests and benchmarks that check the parts directly. */
  state(): LabState {
    const state = this.readState();
    if (!state) throw new StepError(`lab ${this.name} was never started`);
    return state;
  }

  /** Runs scripts/sample_train.py through the bundle's mlflow_env.sh; returns the run id. */
  /**
   * Runs a Python script the way a researcher would: a clean shell that sources the bundle's
   * mlflow_env.sh and nothing else of ours (`env` adds what the caller needs beside it).
   */
  pythonInBundleEnv(what: string, script: string, args: readonly string[] = [], env: Record<string, string> = {}): string {
    const command = [
      "set -euo pipefail",
      `source ${quoteForBash(path.join(this.bundleDir, "mlflow_env.sh"))}`,
      `exec ${[path.join(VENV, "bin", "python"), script, ...args].map(quoteForBash).join(" ")}`,
    ].join("; ");
    return run(what, "bash", ["-c", command], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env } });
  }

  runSample(): string {
    this.step("sample", "training through source mlflow_env.sh");
    const output = this.pythonInBundleEnv("sample training run", path.join(REPO_ROOT, "scripts", "sample_train.py"));
    const match = /run_id=([0-9a-f]+)/.exec(output);
    if (!match) throw new StepError(`sample training run printed no run id:\n${output}`);
    return match[1];
  }
}
