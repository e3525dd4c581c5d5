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

/**
 * Postgres settings of the VM's cluster and the local lab's alike. The server's 4 workers may
 * hold up to 40 connections each to the tracking database and briefly as many to the auth one
 * (model/launchSpec.ts); 200 ran out under 16 asynchronous jobs ("remaining connection slots
 * are reserved", answered 503 and retried). An idle connection costs a few MiB.
 */
export const POSTGRES_SETTINGS: Readonly<Record<string, string>> = {
  max_connections: "400",
};
