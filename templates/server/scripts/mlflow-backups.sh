# Body of mlflow-backups: lists the repository's backups and the age of the last good one;
# exits 1 when there is none. The settings above it come from templates/server/backup.ts.
"${AS_POSTGRES[@]}" "${PGBACKREST[@]}" --output=json info | "$PYTHON" -c '
import json, sys, time
stanza = json.load(sys.stdin)[0]
backups = stanza.get("backup", [])
if not backups:
    print("no backup yet: run mlflow-backup full")
    sys.exit(1)
fmt = lambda t: time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
print("%-34s %-5s %-20s %-20s %10s" % ("label", "type", "started (UTC)", "finished (UTC)", "size"))
for backup in backups:
    print("%-34s %-5s %-20s %-20s %9.1fM" % (backup["label"], backup["type"], fmt(backup["timestamp"]["start"]), fmt(backup["timestamp"]["stop"]), backup["info"]["repository"]["delta"] / 1e6))
last = backups[-1]
wal = (stanza.get("archive") or [{}])[-1].get("max", "none")
print("last good backup: %s, %.1f hours ago; WAL archived up to %s" % (last["label"], (time.time() - last["timestamp"]["stop"]) / 3600, wal))'
