/**
 * Where things live on the tracking server VM: the paths cloud-init writes and the bootstrap,
 * the units and the admin's commands use. The local lab declares its own (localLab/).
 */
import { type BackupSite, repoEndpointOf, type UpgradeSite } from "./backupSpec";
import { BOTO3_VERSION, PSYCOPG2_VERSION, UVLOOP_VERSION } from "./versions";

/** The Cinder volume holding Postgres and what the lab must remember across rebuilds. */
export const DATA_MOUNT = "/srv/mlflow-data";
/**
 * The object store's CA, when the stack names a private one. Not under /etc/mlflow (0750, the
 * service's group): pgBackRest runs as postgres and must read it too.
 */
export const OBJECT_STORE_CA_PATH = "/etc/ssl/mlflow-lab/object-store-ca.pem";
/** The name of the lab's Postgres unit (postgresql@<major>-mlflow), written by the bootstrap. */
export const DATABASE_UNIT_FILE = "/etc/mlflow/database-unit";

export function vmBackupSite(s3EndpointUrl: string, region: string, hasPrivateCa: boolean): BackupSite {
  return {
    repoEndpoint: repoEndpointOf(s3EndpointUrl),
    region,
    ...(hasPrivateCa ? { caFile: OBJECT_STORE_CA_PATH } : {}),
    configFile: "/etc/pgbackrest/pgbackrest.conf",
    configIncludeDir: "/etc/pgbackrest/conf.d",
    lockDir: "/tmp/pgbackrest",
    logDir: "/var/log/pgbackrest",
    spoolDir: "/var/spool/pgbackrest",
    postgres: { socketDir: "/var/run/postgresql", port: 5432 },
    stateDir: `${DATA_MOUNT}/mlflow-lab`,
    control: {
      stopServer: "systemctl stop mlflow.service",
      startServer: "systemctl start mlflow.service",
      stopDatabase: `systemctl stop "$(cat ${DATABASE_UNIT_FILE})"`,
      startDatabase: `systemctl start "$(cat ${DATABASE_UNIT_FILE})"`,
    },
    versionTimes: "last-modified",
    asPostgres: ["runuser", "-u", "postgres", "--"],
  };
}

/** The server's own user on the VM. */
export const SERVICE_USER = "mlflow";

/** MLflow versions side by side under /opt/mlflow/venvs; /opt/mlflow/venv links to the one in use. */
export function vmUpgradeSite(targetVersion: string): UpgradeSite {
  const venvsDir = "/opt/mlflow/venvs";
  // The folder written in: the command runs in a child bash that inherits only $version (the
  // first VM boot built the venv in "/3.17.2" when it named $VENVS_DIR instead).
  const venv = `${venvsDir}/"$version"`;
  return {
    targetVersion,
    venvsDir,
    installVenv: `python3 -m venv ${venv} && ${venv}/bin/pip install --quiet "mlflow[auth]==$version" psycopg2-binary==${PSYCOPG2_VERSION} boto3==${BOTO3_VERSION} uvloop==${UVLOOP_VERSION}`,
    asService: ["runuser", "-u", SERVICE_USER, "--"],
  };
}
