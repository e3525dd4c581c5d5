/** The local lab's private Postgres cluster: created once, then run by the supervisor. */
import * as fs from "node:fs";
import * as path from "node:path";
import { labDatabaseNames } from "../model/names";
import { renderDatabaseSetupSql } from "../templates/server/database";
import { run, StepError } from "./processes";
import type { LabPaths, LabState } from "./state";

const POSTGRES_USER = "postgres";

export function postgresBin(tool: string): string {
  const versions = fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql").sort((a, b) => Number(a) - Number(b)) : [];
  if (versions.length === 0) throw new StepError("postgres: not installed; run npm run setup");
  return `/usr/lib/postgresql/${versions[versions.length - 1]}/bin/${tool}`;
}

/** Postgres refuses to run as root: as root we run it as the postgres user. */
export function postgresUser(): string | undefined {
  return process.getuid?.() === 0 ? POSTGRES_USER : undefined;
}

/** initdb the first time; the cluster then lives in .lab/<name>/postgres. */
export function initCluster(paths: LabPaths, log: (line: string) => void): void {
  const { dir, data, socket } = paths.postgres;
  if (fs.existsSync(path.join(data, "PG_VERSION"))) return;
  log(`initdb in ${path.relative(process.cwd(), data)}`);
  fs.mkdirSync(socket, { recursive: true, mode: 0o700 });
  const user = postgresUser();
  if (user) run("chown", "chown", ["-R", `${user}:${user}`, dir]);
  // Socket access is limited to the owner by the 0700 socket folder, so trust suffices there.
  run("postgres initdb", postgresBin("initdb"), ["-D", data, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256"], { asUser: user });
}

/** Runs SQL as the cluster's superuser over its private socket. */
export function psql(paths: LabPaths, state: LabState, what: string, sql: string, variables: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): string {
  const args = ["-h", paths.postgres.socket, "-p", String(state.ports.postgres), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-At"];
  for (const [name, value] of Object.entries(variables)) args.push("-v", `${name}=${value}`);
  return run(what, postgresBin("psql"), args, { input: sql, env: { ...process.env, ...env } });
}

/** The same role and databases, by the same SQL, as the VM's bootstrap creates. */
export function createLabDatabases(paths: LabPaths, state: LabState, lab: string): void {
  const names = labDatabaseNames(lab);
  psql(paths, state, "postgres role and databases", renderDatabaseSetupSql(), { role: names.role, tracking: names.tracking, auth: names.auth }, { DB_PASSWORD: state.secrets.dbPassword });
}
