# Body of mlflow-upgrade: brings the server to TARGET_VERSION safely. On a version change it
# takes a full backup first, runs the tracking and auth migrations once, starts the new
# version and checks /health; if any step fails it restores the pre-upgrade backup, starts the
# previous version again, says so, and exits 1. The settings above it come from
# templates/server/upgrade.ts.
log() { printf '[mlflow-upgrade] %s\n' "$*"; }
version_file="$STATE_DIR/mlflow-version"
previous=$(cat "$version_file" 2>/dev/null || true)

use_version() {
  local version=$1
  if [ ! -x "$VENVS_DIR/$version/bin/mlflow" ]; then
    log "installing MLflow $version"
    version="$version" bash -c "$INSTALL_VENV"
  fi
  ln -sfn "$VENVS_DIR/$version" "$VENV_LINK"
}

healthy() {
  for _ in $(seq 1 "$HEALTH_WAIT_SECONDS"); do curl -sf "$HEALTH_URL" >/dev/null 2>&1 && return 0; sleep 1; done
  return 1
}

if [ -z "$previous" ] || [ "$previous" = "$TARGET_VERSION" ]; then
  use_version "$TARGET_VERSION"
  "${AS_SERVICE[@]}" "$MIGRATE"
  mkdir -p "$STATE_DIR"
  echo "$TARGET_VERSION" > "$version_file"
  exit 0
fi

log "upgrading MLflow $previous -> $TARGET_VERSION"
use_version "$TARGET_VERSION"
label=""
if [ "$HAS_BACKUP" = yes ]; then
  label=$("$BIN_DIR/mlflow-backup" full | sed -n 's/^mlflow-backup: full backup \([^ ]*\) done$/\1/p')
  [ -n "$label" ] || { log "the pre-upgrade backup failed: nothing changed, still MLflow $previous"; use_version "$previous"; exit 1; }
  log "pre-upgrade backup $label"
fi

rollback() {
  log "upgrade failed: $1; rolling back to MLflow $previous"
  bash -c "$STOP_SERVER" || true
  if [ -n "$label" ]; then
    bash -c "$STOP_DATABASE"
    "${AS_POSTGRES[@]}" "${PGBACKREST[@]}" --delta "--set=$label" --type=immediate --target-action=promote restore
    bash -c "$START_DATABASE"
  else
    log "no backup of this database to restore (databaseMode existing): it may be partly migrated"
  fi
  use_version "$previous"
  bash -c "$START_SERVER"
  if healthy; then
    log "rolled back: MLflow $previous serves the lab as before; the upgrade to $TARGET_VERSION failed ($1)"
  else
    log "rolled back, but MLflow $previous does not answer /health either"
  fi
  exit 1
}

bash -c "$STOP_SERVER" || true
"${AS_SERVICE[@]}" "$MIGRATE" || rollback "the database migrations failed"
bash -c "$START_SERVER" || rollback "the new server did not start"
healthy || rollback "the new server did not answer /health"
echo "$TARGET_VERSION" > "$version_file"
log "upgraded: MLflow $TARGET_VERSION serves the lab (pre-upgrade backup $label kept)"
