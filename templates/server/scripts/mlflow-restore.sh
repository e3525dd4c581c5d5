# Body of mlflow-restore: restores the lab to a point in time, Postgres by pgBackRest (to TIME,
# or to the end of the archive with "latest") and artifacts by bringing each object back to its
# version at TIME. Refuses to run over a live server without --force. The settings above it
# come from templates/server/backup.ts.
usage() { echo "usage: mlflow-restore --to TIME|latest [--force]   (TIME such as '2026-11-30 17:40:00+00')" >&2; exit 2; }
log() { printf '[mlflow-restore] %s\n' "$*"; }
target="" force=no
while [ $# -gt 0 ]; do
  case "$1" in
    --to) [ $# -ge 2 ] || usage; target=$2; shift 2 ;;
    --force) force=yes; shift ;;
    *) usage ;;
  esac
done
[ -n "$target" ] || usage
if curl -sf "$HEALTH_URL" >/dev/null 2>&1 && [ "$force" != yes ]; then
  echo "mlflow-restore: the server is running and researchers may be logging to it; tell them, then run again with --force" >&2
  exit 1
fi
if [ "$target" != latest ] && ! "$PYTHON" -c 'import sys; from datetime import datetime, timezone
t = datetime.fromisoformat(sys.argv[1].replace(" ", "T").replace("Z", "+00:00"))
sys.exit(0 if (t if t.tzinfo else t.replace(tzinfo=timezone.utc)) <= datetime.now(timezone.utc) else 1)' "$target" 2>/dev/null; then
  echo "mlflow-restore: $target is not a past time such as '2026-11-30 17:40:00+00'" >&2
  exit 2
fi
# Everything written so far must be in the archive: a commit marks "now" in the WAL (recovery to
# a time needs a commit after it), and pgbackrest check switches the WAL and waits for it.
if "${AS_POSTGRES[@]}" psql -h "$PG_SOCKET" -p "$PG_PORT" -d postgres -Atqc 'SELECT txid_current()' >/dev/null 2>&1; then
  log "archiving the WAL written so far"
  "${AS_POSTGRES[@]}" "${PGBACKREST[@]}" check
fi
log "stopping the server and the database"
bash -c "$STOP_SERVER"
bash -c "$STOP_DATABASE"
if [ "$target" = latest ]; then
  log "restoring Postgres to the end of the archive"
  "${AS_POSTGRES[@]}" "${PGBACKREST[@]}" --delta restore
else
  log "restoring Postgres to $target"
  "${AS_POSTGRES[@]}" "${PGBACKREST[@]}" --delta --type=time "--target=$target" --target-action=promote restore
fi
bash -c "$START_DATABASE"
# The restored lab writes a new timeline. Archive its first WAL segment at once: until then a
# later restore to the end of the archive would replay the old timeline, the damage included.
for _ in $(seq 1 300); do
  in_recovery=$("${AS_POSTGRES[@]}" psql -h "$PG_SOCKET" -p "$PG_PORT" -d postgres -Atqc 'SELECT pg_is_in_recovery()' 2>/dev/null || true)
  [ "$in_recovery" = f ] && break
  sleep 1
done
log "archiving the first WAL of the restored lab"
"${AS_POSTGRES[@]}" "${PGBACKREST[@]}" check
if [ "$target" != latest ]; then
  log "restoring artifacts to their versions at $target"
  "$BIN_DIR/mlflow-restore-artifacts" "$target"
fi
log "starting the server"
bash -c "$START_SERVER"
for _ in $(seq 1 "$HEALTH_WAIT_SECONDS"); do
  if curl -sf "$HEALTH_URL" >/dev/null 2>&1; then log "done: the lab is back at $target"; exit 0; fi
  sleep 1
done
echo "mlflow-restore: the server did not answer /health after the restore" >&2
exit 1
