# Body of mlflow-backup: the settings above it come from templates/server/backup.ts.
type=${1:-incr}
case "$type" in full|diff|incr) ;; *) echo "usage: mlflow-backup [full|diff|incr]" >&2; exit 2 ;; esac
"${AS_POSTGRES[@]}" "${PGBACKREST[@]}" --type="$type" backup
"${AS_POSTGRES[@]}" "${PGBACKREST[@]}" --output=json info | "$PYTHON" -c '
import json, sys
backups = json.load(sys.stdin)[0]["backup"]
print("mlflow-backup: %s backup %s done" % (backups[-1]["type"], backups[-1]["label"]))'
