/**
 * The local lab's three long-running services, as the supervisor starts them: Postgres in the
 * foreground (as systemd runs it on the VM), versitygw over a folder, and the MLflow server
 * through the very launch script the VM's unit runs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { POSTGRES_SETTINGS } from "../templates/server/database";
import { archiveSettings } from "../templates/server/backup";
import { serverFilePaths } from "../templates/server/launch";
import { localBackupSite } from "./backup";
import { type LabPaths, type LabState, S3_REGION, VERSITYGW } from "./state";
import { mlflowHealthy, portAnswers } from "./processes";
import { postgresBin, postgresUser } from "./postgres";

export const SERVICE_NAMES = ["postgres", "s3", "s3tls", "mlflow"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceSpec {
  readonly name: ServiceName;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
  /** How the service is asked to stop: Postgres' fast shutdown is SIGINT (SIGTERM waits for clients). */
  readonly stopSignal: NodeJS.Signals;
  readonly ready: () => Promise<boolean>;
}

/** Runs `command` as `user` without a process in between, so the group leader is the service itself. */
function asUser(user: string | undefined, command: string, args: readonly string[]): [string, string[]] {
  return user === undefined ? [command, [...args]] : ["setpriv", ["--reuid", user, "--regid", user, "--init-groups", "--", command, ...args]];
}

export function serviceSpec(name: ServiceName, paths: LabPaths, state: LabState): ServiceSpec {
  switch (name) {
    case "postgres": {
      // The VM's settings, and WAL archived to the backup repository as on the VM.
      const archive = archiveSettings(localBackupSite(path.basename(paths.root), paths, state));
      const settings = Object.entries({ ...POSTGRES_SETTINGS, ...archive }).flatMap(([key, value]) => ["-c", `${key}=${value}`]);
      const [command, args] = asUser(postgresUser(), postgresBin("postgres"), [
        "-D", paths.postgres.data, "-p", String(state.ports.postgres), "-k", paths.postgres.socket, "-c", "listen_addresses=127.0.0.1", ...settings,
      ]);
      // Ready means accepting connections: during crash recovery the port answers but refuses them.
      const ready = () => Promise.resolve(spawnSync(postgresBin("pg_isready"), ["-q", "-h", paths.postgres.socket, "-p", String(state.ports.postgres)]).status === 0);
      return { name, command, args, env: { PATH: process.env.PATH, LANG: "C.UTF-8" }, logFile: paths.postgres.log, stopSignal: "SIGINT", ready };
    }
    case "s3":
      return {
        name,
        command: VERSITYGW,
        // Object versions are kept, so artifacts can be restored to a point in time.
        args: ["--port", `127.0.0.1:${state.ports.s3}`, "--region", S3_REGION, "--quiet", "posix", "--versioning-dir", paths.s3.versions, paths.s3.data],
        // The root key travels in the environment, never in argv.
        env: { PATH: process.env.PATH, ROOT_ACCESS_KEY_ID: state.secrets.s3AccessKey, ROOT_SECRET_ACCESS_KEY: state.secrets.s3SecretKey },
        logFile: paths.s3.log,
        stopSignal: "SIGTERM",
        ready: () => portAnswers(state.ports.s3),
      };
    case "s3tls":
      // pgBackRest speaks only HTTPS to S3: the same server behind TLS for localhost.
      return {
        name,
        command: "socat",
        args: [`OPENSSL-LISTEN:${state.ports.s3tls},bind=127.0.0.1,reuseaddr,fork,cert=${paths.tls.cert},key=${paths.tls.key},verify=0`, `TCP:127.0.0.1:${state.ports.s3}`],
        env: { PATH: process.env.PATH },
        logFile: paths.s3.tlsLog,
        stopSignal: "SIGTERM",
        ready: () => portAnswers(state.ports.s3tls),
      };
    case "mlflow":
      return {
        name,
        command: serverFilePaths({ configDir: paths.server.config, binDir: paths.server.bin, venvDir: "" }).launch,
        args: [],
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        logFile: paths.server.log,
        stopSignal: "SIGTERM",
        ready: () => mlflowHealthy(`http://127.0.0.1:${state.ports.mlflow}`),
      };
  }
}

/** Opens a service's log for appending, private to its owner. */
export function openLog(file: string): number {
  return fs.openSync(file, "a", 0o600);
}
