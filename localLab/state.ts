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
export const VERSITYGW = path.join(REPO_ROOT, ".lab", "bin", "versitygw");
export const S3_REGION = "us-east-1";

export interface LabSecrets {
  readonly dbPassword: string;
  readonly adminPassword: string;
  readonly researcherPassword: string;
  readonly flaskSecretKey: string;
  readonly s3AccessKey: string;
  readonly s3SecretKey: string;
}

export interface LabState {
  readonly ports: { readonly postgres: number; readonly s3: number; readonly mlflow: number };
  readonly secrets: LabSecrets;
}

/** Every path of one local lab, so no module spells a folder of another. */
export function labPaths(name: string) {
  const root = path.join(REPO_ROOT, ".lab", name);
  return {
    root,
    state: path.join(root, "state.json"),
    postgres: { dir: path.join(root, "postgres"), data: path.join(root, "postgres", "data"), socket: path.join(root, "postgres", "run"), log: path.join(root, "postgres", "postgres.log") },
    s3: { dir: path.join(root, "s3"), data: path.join(root, "s3", "data"), log: path.join(root, "s3", "versitygw.log") },
    server: { dir: path.join(root, "server"), config: path.join(root, "server", "etc"), bin: path.join(root, "server", "bin"), log: path.join(root, "server", "mlflow.log") },
    supervisor: { desired: path.join(root, "supervisor", "desired.json"), runtime: path.join(root, "supervisor", "services.json"), log: path.join(root, "supervisor", "supervisor.log") },
    adminPassword: path.join(root, "admin-password"),
    labValues: path.join(root, "labValues.json"),
    bundle: path.join(REPO_ROOT, "out", name),
  };
}

export type LabPaths = ReturnType<typeof labPaths>;

const secret = () => randomBytes(24).toString("hex");

export function readState(paths: LabPaths): LabState | undefined {
  return fs.existsSync(paths.state) ? (JSON.parse(fs.readFileSync(paths.state, "utf8")) as LabState) : undefined;
}

/** The lab's state, created with free ports and fresh secrets the first time. */
export async function loadOrCreateState(paths: LabPaths): Promise<LabState> {
  const existing = readState(paths);
  if (existing) return existing;
  const state: LabState = {
    ports: { postgres: await freePort(), s3: await freePort(), mlflow: await freePort() },
    secrets: { dbPassword: secret(), adminPassword: secret(), researcherPassword: secret(), flaskSecretKey: secret(), s3AccessKey: secret().slice(0, 20), s3SecretKey: secret() },
  };
  writePrivateFile(paths.state, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/** Writes a file only its owner can read, from the first byte. */
export function writePrivateFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}
