/**
 * The tracking server VM's cloud-init user-data: packages, the launch files of ./server, TLS
 * material, the reverse proxy, and one bootstrap script that prepares the data volume and
 * Postgres, installs the pinned MLflow, migrates once, then starts everything. The bootstrap is
 * idempotent, so a rebuilt VM finds its volume and database and carries on.
 */
import * as yaml from "js-yaml";
import { POSTGRES_SETTINGS, renderDatabaseSetupSql } from "./database";
import { renderNginxSite } from "./reverseProxy";
import type { ServerLaunchSpec } from "../../model/launchSpec";
import { type RenderedFile, renderServerFiles, renderSystemdUnit, serverFilePaths } from "./launch";
import { bashAssignment, quoteForBash } from "../shell";
import { BOTO3_VERSION, PSYCOPG2_VERSION } from "../../model/versions";

export const SERVICE_USER = "mlflow";
export const DATA_MOUNT = "/srv/mlflow-data";
const TLS_DIR = "/etc/mlflow/tls";
const BOOTSTRAP_PATH = "/opt/mlflow/bin/mlflow-bootstrap";

export type VmDatabase =
  | {
      readonly mode: "vm";
      /** Stable device path of the Cinder data volume, e.g. /dev/disk/by-id/virtio-<id prefix>. */
      readonly volumeDevice: string;
      readonly role: string;
      readonly password: string;
      readonly trackingDatabase: string;
      readonly authDatabase: string;
    }
  | { readonly mode: "existing" };

export type VmTls =
  | { readonly mode: "files"; readonly certificatePem: string; readonly privateKeyPem: string }
  | { readonly mode: "acme-dns"; readonly email: string; readonly dnsPlugin: string; readonly dnsCredentials: string };

export interface CloudInitSpec {
  readonly hostname: string;
  readonly mlflowVersion: string;
  readonly launch: ServerLaunchSpec;
  readonly database: VmDatabase;
  readonly tls: VmTls;
}

function certificatePaths(spec: CloudInitSpec): { certificatePath: string; privateKeyPath: string } {
  return spec.tls.mode === "acme-dns"
    ? { certificatePath: `/etc/letsencrypt/live/${spec.hostname}/fullchain.pem`, privateKeyPath: `/etc/letsencrypt/live/${spec.hostname}/privkey.pem` }
    : { certificatePath: `${TLS_DIR}/server.crt`, privateKeyPath: `${TLS_DIR}/server.key` };
}

/** The bootstrap script: settings as quoted assignments on top, then fixed logic. */
export function renderBootstrapScript(spec: CloudInitSpec): string {
  const paths = serverFilePaths(spec.launch.layout);
  const settings: [string, string][] = [
    ["MLFLOW_VERSION", spec.mlflowVersion],
    ["VENV", spec.launch.layout.venvDir],
    ["SERVICE_USER", SERVICE_USER],
    ["CONFIG_DIR", spec.launch.layout.configDir],
    ["MIGRATE", paths.migrate],
    ["CREATE_RESEARCHER", paths.createResearcher],
    ["DATABASE_MODE", spec.database.mode],
    ["TLS_MODE", spec.tls.mode],
    ["HOSTNAME_FQDN", spec.hostname],
  ];
  if (spec.database.mode === "vm") {
    settings.push(
      ["DATA_DEVICE", spec.database.volumeDevice],
      ["DATA_MOUNT", DATA_MOUNT],
      ["DB_ROLE", spec.database.role],
      ["DB_TRACKING", spec.database.trackingDatabase],
      ["DB_AUTH", spec.database.authDatabase],
    );
  }
  if (spec.tls.mode === "acme-dns") {
    settings.push(["ACME_EMAIL", spec.tls.email], ["ACME_PLUGIN", spec.tls.dnsPlugin]);
  }
  const postgresSettingLines = Object.entries(POSTGRES_SETTINGS)
    .map(([name, value]) => `  pg_conftool "$PG_VERSION" mlflow set ${name} ${quoteForBash(value)}`)
    .join("\n");
  const body = `
log() { printf '[mlflow-bootstrap] %s\\n' "$*"; }

id -u "$SERVICE_USER" >/dev/null 2>&1 || useradd --system --home-dir "/var/lib/$SERVICE_USER" --create-home --shell /usr/sbin/nologin "$SERVICE_USER"
chown -R "root:$SERVICE_USER" "$CONFIG_DIR"
chmod 0750 "$CONFIG_DIR"
chmod 0640 "$CONFIG_DIR"/server.env "$CONFIG_DIR"/basic_auth.ini

if [ "$DATABASE_MODE" = vm ]; then
  log "waiting for the data volume $DATA_DEVICE"
  for _ in $(seq 1 120); do [ -b "$DATA_DEVICE" ] && break; sleep 1; done
  [ -b "$DATA_DEVICE" ] || { log "data volume $DATA_DEVICE never appeared"; exit 1; }
  # Format only a blank volume: a rebuilt VM must find its data untouched.
  blkid "$DATA_DEVICE" >/dev/null || mkfs.ext4 -q -L mlflow-data "$DATA_DEVICE"
  mkdir -p "$DATA_MOUNT"
  grep -q "^LABEL=mlflow-data " /etc/fstab || echo "LABEL=mlflow-data $DATA_MOUNT ext4 defaults,nofail 0 2" >> /etc/fstab
  mountpoint -q "$DATA_MOUNT" || mount "$DATA_MOUNT"

  PG_VERSION=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\\n' | sort -V | tail -n 1)
  PG_DATA="$DATA_MOUNT/postgresql/$PG_VERSION/mlflow"
  install -d -o postgres -g postgres -m 0700 "$DATA_MOUNT/postgresql" "$DATA_MOUNT/postgresql/$PG_VERSION"
  # pg_createcluster adopts an existing data directory, so a rebuild keeps every run.
  pg_lsclusters --no-header | grep -q "^$PG_VERSION  *mlflow " || pg_createcluster "$PG_VERSION" mlflow -d "$PG_DATA" -- --auth-local=peer --auth-host=scram-sha-256
  pg_conftool "$PG_VERSION" mlflow set listen_addresses localhost
${postgresSettingLines}
  systemctl enable --now "postgresql@$PG_VERSION-mlflow"
  log "creating role and databases"
  # The password reaches psql through the environment, never a command line.
  # shellcheck source=/dev/null
  # runuser without --login keeps the environment, DB_PASSWORD included.
  (source "$CONFIG_DIR/database.env" && export DB_PASSWORD && runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q \\
    -v role="$DB_ROLE" -v tracking="$DB_TRACKING" -v auth="$DB_AUTH" <<'SQL'
${renderDatabaseSetupSql()}SQL
  )
fi

log "installing MLflow $MLFLOW_VERSION"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet "mlflow[auth]==$MLFLOW_VERSION" "psycopg2-binary==${PSYCOPG2_VERSION}" "boto3==${BOTO3_VERSION}"

if [ "$TLS_MODE" = acme-dns ]; then
  log "requesting a certificate by DNS-01"
  certbot certonly --non-interactive --agree-tos --email "$ACME_EMAIL" \\
    "--dns-$ACME_PLUGIN" "--dns-$ACME_PLUGIN-credentials" "$CONFIG_DIR/acme-dns.ini" -d "$HOSTNAME_FQDN" \\
    --deploy-hook "systemctl reload nginx"
fi

log "migrating the databases (once, before the server starts)"
runuser -u "$SERVICE_USER" -- "$MIGRATE"
systemctl daemon-reload
systemctl enable --now mlflow.service
rm -f /etc/nginx/sites-enabled/default
ln -sf /etc/nginx/sites-available/mlflow /etc/nginx/sites-enabled/mlflow
nginx -t
systemctl reload-or-restart nginx
"$CREATE_RESEARCHER"
log "done: https://$HOSTNAME_FQDN"
`;
  return [
    "#!/usr/bin/env bash",
    "# First-boot (and rebuild) setup of the MLflow tracking server, generated by mlflow-lab.",
    "set -euo pipefail",
    ...settings.map(([name, value]) => bashAssignment(name, value)),
    body.trimStart(),
  ].join("\n");
}

function writeFile(file: RenderedFile, defer = true): Record<string, unknown> {
  return { path: file.path, content: file.content, owner: "root:root", permissions: `0${file.mode.toString(8)}`, defer };
}

export function renderCloudInit(spec: CloudInitSpec): string {
  const { certificatePath, privateKeyPath } = certificatePaths(spec);
  const files: RenderedFile[] = [
    ...renderServerFiles(spec.launch),
    { path: "/etc/systemd/system/mlflow.service", content: renderSystemdUnit(spec.launch, SERVICE_USER), mode: 0o644 },
    {
      path: "/etc/nginx/sites-available/mlflow",
      content: renderNginxSite({ hostname: spec.hostname, upstreamPort: spec.launch.port, certificatePath, privateKeyPath }),
      mode: 0o644,
    },
    { path: BOOTSTRAP_PATH, content: renderBootstrapScript(spec), mode: 0o700 },
  ];
  if (spec.database.mode === "vm") {
    files.push({
      path: `${spec.launch.layout.configDir}/database.env`,
      content: `# shellcheck shell=bash\n${bashAssignment("DB_PASSWORD", spec.database.password)}\n`,
      mode: 0o600,
    });
  }
  if (spec.tls.mode === "files") {
    files.push({ path: certificatePath, content: spec.tls.certificatePem, mode: 0o644 }, { path: privateKeyPath, content: spec.tls.privateKeyPem, mode: 0o600 });
  } else {
    files.push({ path: `${spec.launch.layout.configDir}/acme-dns.ini`, content: spec.tls.dnsCredentials, mode: 0o600 });
  }
  const packages = [
    "nginx",
    "python3-venv",
    ...(spec.database.mode === "vm" ? ["postgresql"] : []),
    ...(spec.tls.mode === "acme-dns" ? ["certbot", `python3-certbot-dns-${spec.tls.dnsPlugin}`] : []),
  ];
  const document = {
    package_update: true,
    packages,
    write_files: [
      // Before the postgresql package installs: no default cluster on the root disk.
      ...(spec.database.mode === "vm"
        ? [{ path: "/etc/postgresql-common/createcluster.d/mlflow-lab.conf", content: "create_main_cluster = false\n", permissions: "0644", defer: false }]
        : []),
      ...files.map((file) => writeFile(file)),
    ],
    runcmd: [[BOOTSTRAP_PATH]],
  };
  return `#cloud-config\n${yaml.dump(document, { noRefs: true, lineWidth: -1, quotingType: '"' })}`;
}

