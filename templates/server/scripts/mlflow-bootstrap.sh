# Body of mlflow-bootstrap, run by cloud-init once per instance (first boot and every rebuild).
# The settings above it come from templates/server/bootstrap.ts.
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

# How the lab's cluster authenticates: peer on the socket, passwords (SCRAM) over TCP.
INITDB_AUTH=(--auth-local=peer --auth-host=scram-sha-256)

# A blank volume gets a new cluster; a rebuilt VM adopts the volume's, every run kept. But
# pg_createcluster adopts a data directory only with its configuration files in it, and Debian
# keeps those in /etc, which went with the old root disk: give it the files of a new cluster
# made with the same options in a scratch place (prepare_postgres sets the lab's settings after).
create_or_adopt_cluster() {
  local data=$1 scratch
  if [ -f "$data/PG_VERSION" ] && [ ! -f "$data/postgresql.conf" ]; then
    log "adopting the Postgres cluster on the data volume"
    scratch=$(mktemp -d)
    chown postgres:postgres "$scratch"
    PG_CLUSTER_CONF_ROOT="$scratch/etc" pg_createcluster "$PG_VERSION" mlflow -d "$scratch/data" -- "${INITDB_AUTH[@]}" >/dev/null
    install -o "$(stat -c %u "$data")" -g "$(stat -c %g "$data")" -m 0640 "$scratch/etc/$PG_VERSION/mlflow/"{postgresql.conf,pg_hba.conf,pg_ident.conf} "$data/"
    rm -rf "$scratch"
  fi
  pg_createcluster "$PG_VERSION" mlflow -d "$data" -- "${INITDB_AUTH[@]}"
}

prepare_postgres() {
  PG_VERSION=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
  local data="$DATA_MOUNT/postgresql/$PG_VERSION/mlflow"
  install -d -o postgres -g postgres -m 0700 "$DATA_MOUNT/postgresql" "$DATA_MOUNT/postgresql/$PG_VERSION"
  pg_lsclusters --no-header | grep -q "^$PG_VERSION  *mlflow " || create_or_adopt_cluster "$data"
  pg_conftool "$PG_VERSION" mlflow set listen_addresses localhost
  configure_postgres
  # MLflow needs this cluster: it starts after it and stops with it.
  install -d /etc/systemd/system/mlflow.service.d
  printf '[Unit]\nRequires=postgresql@%s-mlflow.service\nAfter=postgresql@%s-mlflow.service\n' "$PG_VERSION" "$PG_VERSION" > /etc/systemd/system/mlflow.service.d/database.conf
  echo "postgresql@$PG_VERSION-mlflow.service" > "$DATABASE_UNIT_FILE"
  PG_DATA="$data"
  systemctl daemon-reload
  systemctl enable --now "postgresql@$PG_VERSION-mlflow"
  log "creating role and databases"
  # The password reaches psql through the environment, never a command line; runuser without
  # --login keeps the environment.
  # shellcheck source=/dev/null
  (source "$CONFIG_DIR/database.env" && export DB_PASSWORD && runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q \
    -v role="$DB_ROLE" -v tracking="$DB_TRACKING" -v auth="$DB_AUTH" < "$CONFIG_DIR/database-setup.sql")
}

# WAL archived and a first full backup in the lab's object store; then the nightly timers.
setup_backups() {
  log "setting up backups (pgBackRest)"
  install -d -m 0750 -o root -g postgres "$PGBR_INCLUDE_DIR"
  printf '[%s]\npg1-path=%s\n' "$STANZA" "$PG_DATA" > "$PGBR_INCLUDE_DIR/data-dir.conf"
  chown root:postgres "$PGBR_INCLUDE_DIR/data-dir.conf"
  chmod 0640 "$PGBR_INCLUDE_DIR/data-dir.conf"
  install -d -o postgres -g postgres -m 0750 /var/log/pgbackrest /var/spool/pgbackrest
  runuser -u postgres -- pgbackrest "${PGBR_ARGS[@]}" stanza-create
  runuser -u postgres -- pgbackrest "${PGBR_ARGS[@]}" check
  if ! runuser -u postgres -- pgbackrest "${PGBR_ARGS[@]}" --output=json info | grep -q '"label"'; then
    "$BIN_DIR/mlflow-backup" full
  fi
  systemctl daemon-reload
  systemctl enable --now mlflow-backup-full.timer mlflow-backup-diff.timer
}

request_certificate() {
  log "requesting a certificate by DNS-01"
  certbot certonly --non-interactive --agree-tos --email "$ACME_EMAIL" \
    "--dns-$ACME_PLUGIN" "--dns-$ACME_PLUGIN-credentials" "$CONFIG_DIR/acme-dns.ini" -d "$HOSTNAME_FQDN" \
    --deploy-hook "systemctl reload nginx"
}

start_server() {
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

# Sourced (by the tests), it only defines the steps above.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

ensure_service_user
quiet_resolver
if [ "$DATABASE_MODE" = vm ]; then
  prepare_data_volume
  prepare_postgres
  setup_backups
fi
if [ "$TLS_MODE" = acme-dns ]; then request_certificate; fi
systemctl daemon-reload
# Installs the pinned MLflow in its own venv and migrates once; on a version change it backs up
# first and rolls back on failure. The lab is served either way; a failed upgrade fails boot.
upgrade=ok
"$UPGRADE" || upgrade=failed
start_server
if [ "$upgrade" = failed ]; then
  log "the MLflow upgrade failed and was rolled back: see the [mlflow-upgrade] lines above"
  exit 1
fi
log "done: https://$HOSTNAME_FQDN"
