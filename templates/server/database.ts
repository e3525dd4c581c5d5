export interface LabDatabaseNames {
  readonly role: string;
  readonly tracking: string;
  readonly auth: string;
}

/**
 * The role and databases of a lab, alike on the VM, on an existing server and in the local lab.
 * Postgres identifiers cannot hold '-': ocean-lab becomes mlflow_ocean_lab.
 */
export function labDatabaseNames(lab: string): LabDatabaseNames {
  const role = `mlflow_${lab.replaceAll("-", "_")}`;
  return { role, tracking: role, auth: `${role}_auth` };
}

/**
 * The SQL that creates the tracking role and its two databases, idempotently. The VM's
 * bootstrap and the local lab run the same text through psql, with the names as psql
 * variables (role, tracking, auth) and the password in the DB_PASSWORD environment variable,
 * so no value is ever spliced into SQL and no password reaches a command line.
 */
export function renderDatabaseSetupSql(): string {
  return [
    "\\getenv password DB_PASSWORD",
    "SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \\gexec",
    "ALTER ROLE :\"role\" WITH LOGIN PASSWORD :'password';",
    "SELECT format('CREATE DATABASE %I OWNER %I', :'tracking', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'tracking') \\gexec",
    "SELECT format('CREATE DATABASE %I OWNER %I', :'auth', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'auth') \\gexec",
    // Other roles on the same server get nothing.
    "REVOKE ALL ON DATABASE :\"tracking\" FROM PUBLIC;",
    "REVOKE ALL ON DATABASE :\"auth\" FROM PUBLIC;",
    "",
  ].join("\n");
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

/**
 * Postgres settings of the VM's cluster and the local lab's alike. Postgres' default of 100
 * connections was exhausted by 32 concurrent writers beside the server's pools (bench P1:
 * "remaining connection slots are reserved"); each idle connection costs a few MiB.
 */
export const POSTGRES_SETTINGS: Readonly<Record<string, string>> = {
  max_connections: "200",
};
