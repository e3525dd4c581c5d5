"""Logs a run the way a researcher would, with only the environment of mlflow_env.sh.

Params, a batch of 1,000 metric points and a 20 MiB artifact; prints what the test checks
directly in Postgres and in the bucket, as one JSON line.
"""
import hashlib
import json
import os
import sys
import tempfile
import time

import mlflow
from mlflow.entities import Metric

ARTIFACT_BYTES = 20 * 1024 * 1024

client = mlflow.MlflowClient()
with mlflow.start_run(run_name="e2e") as run:
    mlflow.log_params({"optimizer": "adam", "note": "it's $HOME `x`"})
    now = int(time.time() * 1000)
    points = [Metric("loss", 1.0 / (step + 1), now, step) for step in range(1000)]
    client.log_batch(run.info.run_id, metrics=points)
    with tempfile.TemporaryDirectory() as folder:
        artifact = os.path.join(folder, "weights.bin")
        payload = os.urandom(ARTIFACT_BYTES)
        with open(artifact, "wb") as handle:
            handle.write(payload)
        mlflow.log_artifact(artifact)
    result = {
        "run_id": run.info.run_id,
        "experiment_id": run.info.experiment_id,
        "artifact_uri": run.info.artifact_uri,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "size": ARTIFACT_BYTES,
    }
# MLflow prints a link when the run ends: the JSON goes last.
print(json.dumps(result))
sys.stdout.flush()
