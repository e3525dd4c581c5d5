/**
 * The VM's bootstrap script, run by cloud-init once per instance: on first boot and on every
 * rebuild (a new instance on the same data volume). Settings come first as quoted assignments;
 * the logic after them is fixed text. Idempotent: a rebuilt VM finds its volume, its cluster
 * and its accounts, and carries on.
 */
import type { ServerLaunchSpec } from "../../model/launchSpec";
import { BOTO3_VERSION, PSYCOPG2_VERSION } from "../../model/versions";
import { bashAssignment, quoteForBash } from "../shell";
import { POSTGRES_SETTINGS } from "./database";
import { serverFilePaths } from "./launch";

export const SERVICE_USER = "mlflow";
export const DATA_MOUNT = "/srv/mlflow-data";
export const DATA_LABEL = "mlflow-data";
/** How long boot waits for a slow Cinder attach before the mount unit gives up (Postgres keeps waiting on it). */
export const DATA_DEVICE_TIMEOUT = "15min";

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

export interface BootstrapSpec {
  readonly hostname: string;
  readonly mlflowVersion: string;
  readonly launch: ServerLaunchSpec;
  readonly database: VmDatabase;
  readonly tlsMode: "files" | "acme-dns";
  readonly acme?: { readonly email: string; readonly dnsPlugin: string };
}

/** Fixed logic of the bootstrap; it reads only the settings assigned above it. */
const BODY = String.raw`
log() { printf '[mlflow-bootstrap] %s\n' "$*"; }

ensure_service_user() {
  id -u "$SERVICE_USER" >/dev/null 2>&1 || useradd --system --home-dir "/var/lib/$SERVICE_USER" --create-home --shell /usr/sbin/nologin "$SERVICE_USER"
  chown -R "root:$SERVICE_USER" "$CONFIG_DIR"
  chmod 0750 "$CONFIG_DIR"
  chmod 0640 "$CONFIG_DIR"/server.env "$CONFIG_DIR"/basic_auth.ini
}

prepare_data_volume() {
  log "waiting for the data volume $DATA_DEVICE"
  for _ in $(seq 1 600); do [ -b "$DATA_DEVICE" ] && break; sleep 1; done
  [ -b "$DATA_DEVICE" ] || { log "data volume $DATA_DEVICE never appeared"; exit 1; }
  # Format only a blank volume: a rebuilt VM must find its data untouched.
  blkid "$DATA_DEVICE" >/dev/null || mkfs.ext4 -q -L "$DATA_LABEL" "$DATA_DEVICE"
  mkdir -p "$DATA_MOUNT"
  # nofail: boot goes on without the volume; Postgres waits for the mount instead (RequiresMountsFor).
  grep -q "^LABEL=$DATA_LABEL " /etc/fstab || echo "LABEL=$DATA_LABEL $DATA_MOUNT ext4 defaults,nofail,x-systemd.device-timeout=$DATA_DEVICE_TIMEOUT 0 2" >> /etc/fstab
  systemctl daemon-reload
  mountpoint -q "$DATA_MOUNT" || mount "$DATA_MOUNT"
}

prepare_postgres() {
  PG_VERSION=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
  local data="$DATA_MOUNT/postgresql/$PG_VERSION/mlflow"
  install -d -o postgres -g postgres -m 0700 "$DATA_MOUNT/postgresql" "$DATA_MOUNT/postgresql/$PG_VERSION"
  # pg_createcluster adopts an existing data directory, so a rebuild keeps every run.
  pg_lsclusters --no-header | grep -q "^$PG_VERSION  *mlflow " || pg_createcluster "$PG_VERSION" mlflow -d "$data" -- --auth-local=peer --auth-host=scram-sha-256
  pg_conftool "$PG_VERSION" mlflow set listen_addresses localhost
  configure_postgres
  # MLflow needs this cluster: it starts after it and stops with it.
  install -d /etc/systemd/system/mlflow.service.d
  printf '[Unit]\nRequires=postgresql@%s-mlflow.service\nAfter=postgresql@%s-mlflow.service\n' "$PG_VERSION" "$PG_VERSION" > /etc/systemd/system/mlflow.service.d/database.conf
  systemctl daemon-reload
  systemctl enable --now "postgresql@$PG_VERSION-mlflow"
  log "creating role and databases"
  # The password reaches psql through the environment, never a command line; runuser without
  # --login keeps the environment.
  # shellcheck source=/dev/null
  (source "$CONFIG_DIR/database.env" && export DB_PASSWORD && runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q \
    -v role="$DB_ROLE" -v tracking="$DB_TRACKING" -v auth="$DB_AUTH" < "$CONFIG_DIR/database-setup.sql")
}

install_mlflow() {
  log "installing MLflow $MLFLOW_VERSION"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "mlflow[auth]==$MLFLOW_VERSION" "psycopg2-binary==$PSYCOPG2_VERSION" "boto3==$BOTO3_VERSION"
}

request_certificate() {
  log "requesting a certificate by DNS-01"
  certbot certonly --non-interactive --agree-tos --email "$ACME_EMAIL" \
    "--dns-$ACME_PLUGIN" "--dns-$ACME_PLUGIN-credentials" "$CONFIG_DIR/acme-dns.ini" -d "$HOSTNAME_FQDN" \
    --deploy-hook "systemctl reload nginx"
}

start_server() {
  log "migrating the databases (once, before the server starts)"
  runuser -u "$SERVICE_USER" -- "$MIGRATE"
  systemctl daemon-reload
  systemctl enable --now mlflow.service
  rm -f /etc/nginx/sites-enabled/default
  ln -sf /etc/nginx/sites-available/mlflow /etc/nginx/sites-enabled/mlflow
  nginx -t
  systemctl reload-or-restart nginx
  "$CREATE_RESEARCHER"
}

# Nothing but 22 and 443 listens beyond loopback: no LLMNR or mDNS from systemd-resolved.
quiet_resolver() {
  if systemctl is-active --quiet systemd-resolved; then systemctl restart systemd-resolved; fi
}

ensure_service_user
quiet_resolver
if [ "$DATABASE_MODE" = vm ]; then
  prepare_data_volume
  prepare_postgres
fi
install_mlflow
if [ "$TLS_MODE" = acme-dns ]; then request_certificate; fi
start_server
log "done: https://$HOSTNAME_FQDN"
`;

export function renderBootstrapScript(spec: BootstrapSpec): string {
  const paths = serverFilePaths(spec.launch.layout);
  const settings: [string, string][] = [
    ["MLFLOW_VERSION", spec.mlflowVersion],
    ["PSYCOPG2_VERSION", PSYCOPG2_VERSION],
    ["BOTO3_VERSION", BOTO3_VERSION],
    ["VENV", spec.launch.layout.venvDir],
    ["SERVICE_USER", SERVICE_USER],
    ["CONFIG_DIR", spec.launch.layout.configDir],
    ["MIGRATE", paths.migrate],
    ["CREATE_RESEARCHER", paths.createResearcher],
    ["DATABASE_MODE", spec.database.mode],
    ["TLS_MODE", spec.tlsMode],
    ["HOSTNAME_FQDN", spec.hostname],
  ];
  if (spec.database.mode === "vm") {
    settings.push(
      ["DATA_DEVICE", spec.database.volumeDevice],
      ["DATA_MOUNT", DATA_MOUNT],
      ["DATA_LABEL", DATA_LABEL],
      ["DATA_DEVICE_TIMEOUT", DATA_DEVICE_TIMEOUT],
      ["DB_ROLE", spec.database.role],
      ["DB_TRACKING", spec.database.trackingDatabase],
      ["DB_AUTH", spec.database.authDatabase],
    );
  }
  if (spec.acme) settings.push(["ACME_EMAIL", spec.acme.email], ["ACME_PLUGIN", spec.acme.dnsPlugin]);
  // Postgres settings shared with the local lab, applied to the VM's cluster.
  const configure = ["configure_postgres() {", ...Object.entries(POSTGRES_SETTINGS).map(([name, value]) => `  pg_conftool "$PG_VERSION" mlflow set ${name} ${quoteForBash(value)}`), "}"];
  return [
    "#!/usr/bin/env bash",
    "# First-boot (and rebuild) setup of the MLflow tracking server, generated by mlflow-lab.",
    "set -euo pipefail",
    ...settings.map(([name, value]) => bashAssignment(name, value)),
    ...configure,
    BODY.trimStart(),
  ].join("\n");
}

/** systemd-resolved answers LLMNR (5355) and mDNS on every interface unless told not to. */
export function renderResolvedDropIn(): string {
  return ["[Resolve]", "LLMNR=no", "MulticastDNS=no", ""].join("\n");
}

/** Postgres waits for the data volume and never starts on the empty mount point; systemd restarts it. */
export function renderPostgresDropIn(): string {
  return ["[Unit]", `RequiresMountsFor=${DATA_MOUNT}`, "", "[Service]", "Restart=on-failure", "RestartSec=5s", ""].join("\n");
}
