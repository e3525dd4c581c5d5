/**
 * The local lab's backups: the same pgBackRest config and admin commands as the VM's
 * (templates/server/backup.ts), with the site data of this machine: the S3 server behind TLS
 * for localhost, the lab's own folders, and the supervisor to stop and start the server.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type BackupSite, type BackupSpec, backupSpecFor } from "../model/backupSpec";
import type { LabConfig } from "../model/labConfig";
import { backupScriptPaths, pgBackRestConfigArgs, renderBackupFiles, renderPgBackRestDataDir } from "../templates/server/backup";
import type { ServerLaunchSpec } from "../model/launchSpec";
import { postgresUser } from "./postgres";
import { run } from "./processes";
import { type LabPaths, type LabState, REPO_ROOT, S3_REGION } from "./state";

const CLI = path.join(REPO_ROOT, "cli", "mlflow-lab.js");

function control(name: string, service: "mlflow" | "postgres", action: "start" | "stop"): string {
  return `${process.execPath} ${CLI} local service ${service} ${action} --name ${name}`;
}

export function localBackupSite(name: string, paths: LabPaths, state: LabState): BackupSite {
  const user = postgresUser();
  return {
    repoEndpoint: { host: "localhost", port: state.ports.s3tls },
    region: S3_REGION,
    caFile: paths.tls.caCert,
    configFile: paths.backup.config,
    configIncludeDir: paths.backup.includeDir,
    lockDir: paths.backup.lock,
    logDir: paths.backup.log,
    spoolDir: paths.backup.spool,
    postgres: { socketDir: paths.postgres.socket, port: state.ports.postgres },
    stateDir: paths.root,
    versionTimes: "version-id",
    control: { stopServer: control(name, "mlflow", "stop"), startServer: control(name, "mlflow", "start"), stopDatabase: control(name, "postgres", "stop"), startDatabase: control(name, "postgres", "start") },
    asPostgres: user === undefined ? [] : ["runuser", "-u", user, "--"],
  };
}

export function localBackupSpec(name: string, paths: LabPaths, state: LabState, config: LabConfig<unknown>, bucket: string): BackupSpec {
  return backupSpecFor(config, localBackupSite(name, paths, state), bucket, { accessKeyId: state.secrets.s3AccessKey, secretAccessKey: state.secrets.s3SecretKey, cipherPass: state.secrets.backupCipher });
}

/** Writes pgBackRest's config and the admin's commands, readable by the postgres user where it must. */
export function writeBackupFiles(spec: BackupSpec, launch: ServerLaunchSpec, paths: LabPaths): void {
  const user = postgresUser();
  for (const dir of [paths.backup.dir, paths.backup.includeDir, paths.backup.lock, paths.backup.log, paths.backup.spool]) fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
  const files = [...renderBackupFiles(spec, launch), { path: path.join(paths.backup.includeDir, "data-dir.conf"), content: renderPgBackRestDataDir(paths.postgres.data), mode: 0o640 }];
  for (const file of files) {
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    fs.writeFileSync(file.path, file.content, { mode: file.mode });
    fs.chmodSync(file.path, file.mode);
  }
  if (user !== undefined) {
    run("chown backup folders", "chown", ["-R", `${user}:${user}`, paths.backup.lock, paths.backup.log, paths.backup.spool]);
    run("chgrp backup config", "chgrp", ["-R", user, paths.backup.dir]);
  }
}

/**
 * Creates the stanza (idempotent) once Postgres runs, then checks archiving: the check's WAL
 * switch also wakes the archiver, which sleeps a minute after pushes failed before the stanza.
 */
export function createStanza(site: BackupSite): void {
  const pgbackrest = [...site.asPostgres, "pgbackrest", ...pgBackRestConfigArgs(site)];
  for (const action of ["stanza-create", "check"]) {
    const [command, ...args] = [...pgbackrest, action];
    run(`pgbackrest ${action}`, command, args);
  }
}

export function backupCommands(launch: ServerLaunchSpec) {
  return backupScriptPaths(launch.layout);
}
