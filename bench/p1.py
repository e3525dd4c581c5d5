"""P1 for one target and one K: K client processes at once, then the rows counted in the database.

argv: JSON {"name", "mode": "http"|"store", "uri", "db": {"kind": "postgres"|"sqlite", ...}, "k", "seconds"}
Credentials come from the environment (never argv). Prints one JSON line.
"""
import json
import os
import subprocess
import sys
import time

spec = json.loads(sys.argv[1])
here = os.path.dirname(os.path.abspath(__file__))
k, seconds = spec["k"], spec["seconds"]


def create_runs():
    if spec["mode"] == "store":
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        store = SqlAlchemyStore(os.environ["BENCH_STORE_URI"], "/tmp/mlflow-lab-bench-artifacts")
        experiment = store.get_experiment_by_name("bench") or store.get_experiment(store.create_experiment("bench"))
        return [store.create_run(experiment.experiment_id, "bench", int(time.time() * 1000), [], "w%d" % i).info.run_id for i in range(k)]
    import requests

    session = requests.Session()
    if os.environ.get("MLFLOW_TRACKING_USERNAME"):
        session.auth = (os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"])
    api = spec["uri"].rstrip("/") + "/api/2.0/mlflow"
    found = session.get(api + "/experiments/get-by-name", params={"experiment_name": "bench"}, timeout=60)
    if found.status_code == 200:
        experiment_id = found.json()["experiment"]["experiment_id"]
    else:
        created = session.post(api + "/experiments/create", json={"name": "bench"}, timeout=60)
        created.raise_for_status()
        experiment_id = created.json()["experiment_id"]
    runs = []
    for i in range(k):
        response = session.post(api + "/runs/create", json={"experiment_id": experiment_id, "run_name": "w%d" % i, "start_time": int(time.time() * 1000)}, timeout=60)
        response.raise_for_status()
        runs.append(response.json()["run"]["info"]["run_id"])
    return runs


def count_rows(run_ids):
    marker = "%s" if spec["db"]["kind"] == "postgres" else "?"
    sql = "SELECT count(*) FROM metrics WHERE run_uuid IN (%s)" % ",".join([marker] * len(run_ids))
    if spec["db"]["kind"] == "postgres":
        import psycopg2

        with psycopg2.connect(os.environ["BENCH_PG_DSN"]) as connection, connection.cursor() as cursor:
            cursor.execute(sql, run_ids)
            return cursor.fetchone()[0]
    import sqlite3

    with sqlite3.connect(spec["db"]["path"], timeout=60) as connection:
        return connection.execute(sql, run_ids).fetchone()[0]


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


run_ids = create_runs()
workers = [
    subprocess.Popen([sys.executable, os.path.join(here, "p1_worker.py"), spec["mode"], spec.get("uri", ""), run_id, str(i), str(seconds)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for i, run_id in enumerate(run_ids)
]
# Imports take seconds with K processes on 2 cores: the clock starts once every worker is ready.
for worker in workers:
    if worker.stdout.readline().strip() != "ready":
        raise SystemExit("a P1 worker died before it was ready")
start_at = time.time() + 0.5
for worker in workers:
    worker.stdin.write(repr(start_at) + "\n")
    worker.stdin.flush()
figures = [json.loads(worker.communicate()[0].strip().splitlines()[-1]) for worker in workers]
ok = sum(f["ok"] for f in figures)
ok_in_window = sum(f["okInWindow"] for f in figures)
failed = sum(f["failed"] for f in figures)
latencies = [latency for f in figures for latency in f["latencies"]]
errors = {}
for f in figures:
    for kind, count in f["errors"].items():
        errors[kind] = errors.get(kind, 0) + count
rows = count_rows(run_ids)
print(json.dumps({
    "target": spec["name"],
    "k": k,
    "seconds": seconds,
    "batches": ok,
    "batchesPerSecond": ok_in_window / seconds,
    "failed": failed,
    "p50Ms": None if not latencies else percentile(latencies, 0.5) * 1000,
    "p99Ms": None if not latencies else percentile(latencies, 0.99) * 1000,
    "rows": rows,
    "expectedRows": ok * 100,
    "lostRows": ok * 100 - rows,
    # The kinds of failure, most frequent first, so a failure count comes with its cause.
    "errors": dict(sorted(errors.items(), key=lambda item: -item[1])[:5]),
}))
