/**
 * How the MLflow tracking server is launched, as data. One builder, launchSpecFor, serves the
 * VM's cloud-init and the local lab alike: the two differ only in the LaunchSite they declare
 * (paths, port, the names researchers use, where Postgres and S3 are), never in flags.
 */
import type { LabConfig } from "./labConfig";
import { ADMIN_USERNAME, jobAccountName, labDatabaseNames } from "./names";

export interface ServerLayout {
  /** Holds server.env and basic_auth.ini (mode 0600). */
  readonly configDir: string;
  /** Holds the launch scripts. */
  readonly binDir: string;
  /** The Python venv MLflow is installed in. */
  readonly venvDir: string;
}

export const VM_LAYOUT: ServerLayout = { configDir: "/etc/mlflow", binDir: "/opt/mlflow/bin", venvDir: "/opt/mlflow/venv" };

export interface S3Access {
  readonly endpointUrl: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** The object store's CA file, when its certificate is from a private CA. */
  readonly caFile?: string;
}

export interface Account {
  readonly username: string;
  readonly password: string;
}

export interface ServerLaunchSpec {
  readonly lab: string;
  readonly layout: ServerLayout;
  /** Loopback address the server binds to; the reverse proxy is the only way in from outside. */
  readonly host: string;
  readonly port: number;
  readonly workers: number;
  /** Host headers accepted (exact match, port included when not default). */
  readonly allowedHosts: readonly string[];
  /** postgresql://... of the tracking store (holds a password). */
  readonly backendStoreUri: string;
  /** postgresql://... of the basic-auth app's own database. */
  readonly authDatabaseUri: string;
  /**
   * proxied: the server stores artifacts at `destination` (s3://bucket/prefix) and clients
   * reach them through it; direct: new experiments point clients at `root` themselves.
   */
  readonly artifacts: { readonly mode: "proxied"; readonly destination: string } | { readonly mode: "direct"; readonly root: string };
  readonly s3: S3Access;
  readonly admin: Account;
  /** The lab-wide job account, created through the auth API after start (members are not: see io/mlflowAccounts). */
  readonly researcher: Account;
  /** MLFLOW_FLASK_SERVER_SECRET_KEY: equal on every replica. */
  readonly flaskSecretKey: string;
  readonly sqlalchemyPoolSize: number;
  readonly sqlalchemyMaxOverflow: number;
}

export const SERVER_DEFAULTS = {
  host: "127.0.0.1",
  port: 5000,
  // MLflow's default.
  workers: 4,
  // A worker runs up to 40 requests at once (uvicorn hands Flask to anyio's 40 threads). With a
  // pool of 5+5, the 11th waited 30 s and was refused with 400, which clients do not retry:
  // 16 jobs logging asynchronously lost 2,660 points (bench P4). 5+35 lets every thread have a
  // connection; Postgres' max_connections leaves room for it.
  sqlalchemyPoolSize: 5,
  sqlalchemyMaxOverflow: 35,
} as const;

/** Where a server runs: the only things the VM and the local lab may differ in. */
export interface LaunchSite {
  readonly layout: ServerLayout;
  readonly port: number;
  /** Host headers researchers send (the lab's hostname behind nginx); loopback forms are added for every site. */
  readonly publicHosts: readonly string[];
  readonly database: { readonly host: string; readonly port: number; readonly sslMode?: string };
  readonly s3EndpointUrl: string;
  readonly s3Region: string;
  /** The object store's CA file, when private. */
  readonly s3CaFile?: string;
  readonly bucket: string;
}

export interface LaunchSecrets {
  readonly databasePassword: string;
  readonly s3AccessKeyId: string;
  readonly s3SecretAccessKey: string;
  readonly adminPassword: string;
  readonly researcherPassword: string;
  readonly flaskSecretKey: string;
}

/**
 * Host headers the server accepts: the public names, and loopback with the port, so that the
 * scripts on the server's own host (accounts, backups, health checks) reach it directly.
 * Loopback cannot arrive from outside: the server binds to 127.0.0.1 and nginx sends $host.
 */
export function allowedHostsFor(site: Pick<LaunchSite, "publicHosts" | "port">): string[] {
  return [...site.publicHosts, `127.0.0.1:${site.port}`, `localhost:${site.port}`];
}

export interface PostgresAddress {
  readonly role: string;
  readonly password: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** libpq sslmode; omitted on loopback. */
  readonly sslMode?: string;
}

/**
 * SQLAlchemy URI of a Postgres database. The driver is named: SQLAlchemy 2.1 otherwise picks
 * psycopg 3, which the server does not install.
 */
export function postgresUri(address: PostgresAddress): string {
  const credentials = `${encodeURIComponent(address.role)}:${encodeURIComponent(address.password)}`;
  const query = address.sslMode !== undefined ? `?sslmode=${encodeURIComponent(address.sslMode)}` : "";
  return `postgresql+psycopg2://${credentials}@${address.host}:${address.port}/${encodeURIComponent(address.database)}${query}`;
}

export const ARTIFACT_PREFIX = "artifacts";

export function launchSpecFor(config: LabConfig<unknown>, site: LaunchSite, secrets: LaunchSecrets): ServerLaunchSpec {
  const names = labDatabaseNames(config.lab);
  const database = (name: string) => postgresUri({ role: names.role, password: secrets.databasePassword, ...site.database, database: name });
  const bucketPath = `s3://${site.bucket}/${ARTIFACT_PREFIX}`;
  return {
    lab: config.lab,
    layout: site.layout,
    ...SERVER_DEFAULTS,
    port: site.port,
    allowedHosts: allowedHostsFor(site),
    backendStoreUri: database(names.tracking),
    authDatabaseUri: database(names.auth),
    artifacts: config.artifacts.mode === "direct" ? { mode: "direct", root: bucketPath } : { mode: "proxied", destination: bucketPath },
    s3: {
      endpointUrl: site.s3EndpointUrl,
      accessKeyId: secrets.s3AccessKeyId,
      secretAccessKey: secrets.s3SecretAccessKey,
      region: site.s3Region,
      ...(site.s3CaFile !== undefined ? { caFile: site.s3CaFile } : {}),
    },
    admin: { username: ADMIN_USERNAME, password: secrets.adminPassword },
    researcher: { username: jobAccountName(config.lab), password: secrets.researcherPassword },
    flaskSecretKey: secrets.flaskSecretKey,
  };
}
