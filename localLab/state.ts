/**
 * What a local lab keeps between commands: its ports and generated secrets, in
 * .lab/<name>/state.json (mode 0600), and where each of its parts lives on disk.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { freePort } from "./processes";

export const REPO_ROOT = path.join(__dirname, "..");
export const VENV = path.join(REPO_ROOT, ".venv");
export const PYTHON = path.join(VENV, "bin", "python");
/** The MLflow release before the pinned one (requirements-previous.txt), for the upgrade drill. */
export const PREVIOUS_VENV = path.join(REPO_ROOT, ".venv-previous");
export const VERSITYGW = path.join(REPO_ROOT, ".lab", "bin", "versitygw");
export const S3_REGION = "us-east-1";

export interface LabSecrets {
  readonly dbPassword: string;
  readonly adminPassword: string;
  readonly researcherPassword: string;
  readonly flaskSecretKey: string;
  readonly s3AccessKey: string;
  readonly s3SecretKey: string;
  /** Encrypts the backup repository. */
  readonly backupCipher: string;
  /** Each member's MLflow password, by username (localLab/members.ts keeps it in step with the stack). */
  readonly memberPasswords?: Readonly<Record<string, string>>;
}

export interface LabState {
  /** s3tls: the S3 server behind TLS for localhost, which pgBackRest needs. */
  readonly ports: { readonly postgres: number; readonly s3: number; readonly s3tls: number; readonly mlflow: number };
  readonly secrets: LabSecrets;
}

/** Every path of one local lab, so no module spells a folder of another. */
export function labPaths(name: string) {
  const root = path.join(REPO_ROOT, ".lab", name);
  return {
    root,
    state: path.join(root, "state.json"),
    postgres: { dir: path.join(root, "postgres"), data: path.join(root, "postgres", "data"), socket: path.join(root, "postgres", "run"), log: path.join(root, "postgres", "postgres.log") },
    s3: { dir: path.join(root, "s3"), data: path.join(root, "s3", "data"), versions: path.join(root, "s3", "versions"), log: path.join(root, "s3", "versitygw.log"), tlsLog: path.join(root, "s3", "tls.log") },
    tls: { dir: path.join(root, "tls"), caCert: path.join(root, "tls", "ca.pem"), caKey: path.join(root, "tls", "ca.key"), cert: path.join(root, "tls", "localhost.pem"), key: path.join(root, "tls", "localhost.key") },
    backup: { dir: path.join(root, "backup"), config: path.join(root, "backup", "pgbackrest.conf"), includeDir: path.join(root, "backup", "conf.d"), lock: path.join(root, "backup", "lock"), log: path.join(root, "backup", "log"), spool: path.join(root, "backup", "spool") },
    server: { dir: path.join(root, "server"), config: path.join(root, "server", "etc"), bin: path.join(root, "server", "bin"), venvLink: path.join(root, "server", "venv"), log: path.join(root, "server", "mlflow.log") },
    venvs: path.join(root, "venvs"),
    supervisor: { desired: path.join(root, "supervisor", "desired.json"), runtime: path.join(root, "supervisor", "services.json"), log: path.join(root, "supervisor", "supervisor.log") },
    adminPassword: path.join(root, "admin-password"),
    labValues: path.join(root, "labValues.json"),
    bundle: path.join(REPO_ROOT, "out", name),
  };
}

export type LabPaths = ReturnType<typeof labPaths>;

/** A generated credential of the local lab. */
export const secret = () => randomBytes(24).toString("hex");

export function readState(paths: LabPaths): LabState | undefined {
  return fs.existsSync(paths.state) ? (JSON.parse(fs.readFileSync(paths.state, "utf8")) as LabState) : undefined;
}

/** The lab's state, created with free ports and fresh secrets the first time; what a newer version adds is filled in. */
export async function loadOrCreateState(paths: LabPaths): Promise<LabState> {
  const existing = readState(paths) as Partial<{ ports: Partial<LabState["ports"]>; secrets: Partial<LabSecrets> }> | undefined;
  const state: LabState = {
    ports: {
      postgres: existing?.ports?.postgres ?? (await freePort()),
      s3: existing?.ports?.s3 ?? (await freePort()),
      s3tls: existing?.ports?.s3tls ?? (await freePort()),
      mlflow: existing?.ports?.mlflow ?? (await freePort()),
    },
    secrets: {
      dbPassword: existing?.secrets?.dbPassword ?? secret(),
      adminPassword: existing?.secrets?.adminPassword ?? secret(),
      researcherPassword: existing?.secrets?.researcherPassword ?? secret(),
      flaskSecretKey: existing?.secrets?.flaskSecretKey ?? secret(),
      s3AccessKey: existing?.secrets?.s3AccessKey ?? secret().slice(0, 20),
      s3SecretKey: existing?.secrets?.s3SecretKey ?? secret(),
      backupCipher: existing?.secrets?.backupCipher ?? secret(),
      memberPasswords: existing?.secrets?.memberPasswords ?? {},
    },
  };
  writePrivateFile(paths.state, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/** Writes a file only its owner can read, from the first byte, and whole: readers never see half of it. */
export function writePrivateFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content, { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
}
