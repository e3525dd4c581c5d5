"""Writes an offline store for the sync benchmark: RUNS runs of METRICS metrics x STEPS steps
each (and one small artifact per run), in a sqlite store, as mlflow_env.offline.sh would.

Usage: sync_store.py DB_PATH ARTIFACT_DIR RUNS METRICS STEPS
"""
import os
import sys
import time

from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

db, artifacts, runs, metrics, steps = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
client = MlflowClient(tracking_uri="sqlite:///" + db)
experiment = client.create_experiment("sync-bench", artifact_location=artifacts)
now = int(time.time() * 1000)
for index in range(runs):
    run = client.create_run(experiment, run_name="run-%03d" % index)
    client.log_batch(run.info.run_id, params=[Param("index", str(index))])
    points = [Metric("metric_%d" % key, step * 0.001 + key, now + step, step) for key in range(metrics) for step in range(steps)]
    for start in range(0, len(points), 1000):
        client.log_batch(run.info.run_id, metrics=points[start:start + 1000])
    client.log_text(run.info.run_id, "run %d\n" % index, "notes.txt")
    client.set_terminated(run.info.run_id)
print("store written: %d runs x %d metrics x %d steps" % (runs, metrics, steps), flush=True)
