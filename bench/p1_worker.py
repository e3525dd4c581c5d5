"""One P1 client process: sends log_batch calls of 100 metrics until its deadline.

http: the REST call MLflow's client makes (POST /api/2.0/mlflow/runs/log-batch), basic auth
from MLFLOW_TRACKING_USERNAME/PASSWORD when set. store: MLflow's SqlAlchemyStore in-process on
the database URI in BENCH_STORE_URI (no HTTP at all). Prints one JSON line of its figures.
"""
import json
import os
import sys
import time

mode, target, run_id, worker, seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
METRICS_PER_BATCH = 100

if mode == "http":
    import requests

    session = requests.Session()
    if os.environ.get("MLFLOW_TRACKING_USERNAME"):
        session.auth = (os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"])
    api = target.rstrip("/") + "/api/2.0/mlflow"

    def send(batch, step):
        body = {"run_id": run_id, "metrics": [{"key": key, "value": value, "timestamp": stamp, "step": step} for key, value, stamp in batch]}
        response = session.post(api + "/runs/log-batch", json=body, timeout=60)
        if response.status_code != 200:
            raise RuntimeError("HTTP %d %s" % (response.status_code, response.text[:160]))
        return True

    def warm_up():
        # The server worker behind this keep-alive connection loads its store on its first
        # request (seconds): paid here, before the clock starts, as a long-running lab has.
        response = session.get(api + "/runs/get", params={"run_id": run_id}, timeout=60)
        if response.status_code != 200:
            raise SystemExit("P1 worker %d: warm-up request got HTTP %d" % (worker, response.status_code))
else:
    from mlflow.entities import Metric
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore(os.environ["BENCH_STORE_URI"], "/tmp/mlflow-lab-bench-artifacts")

    def send(batch, step):
        store.log_batch(run_id, metrics=[Metric(key, value, stamp, step) for key, value, stamp in batch], params=[], tags=[])
        return True

    def warm_up():
        store.get_run(run_id)

keys = ["w%d_m%d" % (worker, j) for j in range(METRICS_PER_BATCH)]
ok = failed = 0
# Batches acknowledged before the deadline: the window's throughput. The last request of each
# worker ends after it (by up to a p99 latency, seconds at K = 32) and would inflate the rate.
ok_in_window = 0
latencies = []
errors = {}
# Barrier: report ready once imports and connections are done, then wait for the common start.
warm_up()
print("ready", flush=True)
start_at = float(sys.stdin.readline())
time.sleep(max(0.0, start_at - time.time()))
deadline = start_at + seconds
step = 0
while time.time() < deadline:
    stamp = int(time.time() * 1000)
    batch = [(key, float(step) + j / 1000.0, stamp) for j, key in enumerate(keys)]
    began = time.perf_counter()
    try:
        success = send(batch, step)
    except Exception as error:  # a refused or broken request is a failed request, whatever its kind
        success = False
        kind = "%s: %s" % (type(error).__name__, str(error).splitlines()[0][:160] if str(error) else "")
        errors[kind] = errors.get(kind, 0) + 1
    latencies.append(time.perf_counter() - began)
    if success:
        ok += 1
        ok_in_window += time.time() <= deadline
    else:
        failed += 1
    step += 1
print(json.dumps({"ok": ok, "okInWindow": ok_in_window, "failed": failed, "errors": errors, "latencies": latencies}))
