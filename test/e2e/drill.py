"""The restore drill's researcher side, through the bundle's mlflow_env.sh.

drill.py before STATE   logs run A (10 metrics x 1,000 steps, params, tags, a 100 MiB artifact)
                        and run B; writes everything the check compares to STATE (JSON).
drill.py after STATE    logs run C, overwrites A's artifact, deletes run B.
drill.py check STATE    compares the server with STATE: A and B whole, A's artifact byte for
                        byte, C absent. Prints one JSON line.
"""
import hashlib
import json
import os
import sys
import tempfile
import time

import mlflow
from mlflow.entities import Metric

ARTIFACT_MIB = int(os.environ.get("DRILL_ARTIFACT_MIB", "100"))
client = mlflow.MlflowClient()
command, state_file = sys.argv[1], sys.argv[2]


def snapshot(run_id):
    run = client.get_run(run_id)
    metrics = {key: sorted((m.step, m.value, m.timestamp) for m in client.get_metric_history(run_id, key)) for key in run.data.metrics}
    tags = {key: value for key, value in run.data.tags.items() if not key.startswith("mlflow.")}
    return {"name": run.info.run_name, "status": run.info.status, "stage": run.info.lifecycle_stage, "params": run.data.params, "tags": tags, "metrics": metrics}


def log_run(name, metric_keys, steps, artifact_bytes=0):
    with mlflow.start_run(run_name=name) as run:
        mlflow.log_params({"optimizer": "adam", "lr": "0.001", "note": "it's $HOME `x`"}, synchronous=True)
        mlflow.set_tags({"owner": "drill", "phase": name}, synchronous=True)
        now = int(time.time() * 1000)
        for key in metric_keys:
            client.log_batch(run.info.run_id, metrics=[Metric(key, 1.0 / (step + 1), now + step, step) for step in range(steps)], synchronous=True)
        digest = None
        if artifact_bytes:
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "weights.bin")
                with open(path, "wb") as handle:
                    handle.write(os.urandom(artifact_bytes))
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
                mlflow.log_artifact(path, "model")
        return run.info.run_id, digest


def artifact_digest(run_id):
    with tempfile.TemporaryDirectory() as folder:
        path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="model/weights.bin", dst_path=folder)
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()


if command == "before":
    a, digest = log_run("A", ["loss_%d" % i for i in range(10)], 1000, ARTIFACT_MIB * 1024 * 1024)
    b, _ = log_run("B", ["loss"], 100)
    state = {"A": a, "B": b, "digest": digest, "snapshots": {a: snapshot(a), b: snapshot(b)}}
elif command == "after":
    state = json.load(open(state_file))
    state["C"], _ = log_run("C", ["loss"], 50, 1024 * 1024)
    with mlflow.start_run(run_id=state["A"]):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "weights.bin")
            with open(path, "wb") as handle:
                handle.write(b"overwritten after the restore point")
            mlflow.log_artifact(path, "model")
    client.delete_run(state["B"])
elif command == "check":
    state = json.load(open(state_file))
    report = {"runs": {}}
    for run_id, expected in state["snapshots"].items():
        # JSON turned the saved tuples into lists: compare like with like.
        actual = json.loads(json.dumps(snapshot(run_id)))
        report["runs"][run_id] = actual == expected
        if actual != expected:
            report.setdefault("differ", {})[run_id] = [field for field in expected if actual.get(field) != expected[field]]
    report["points"] = sum(len(history) for history in snapshot(state["A"])["metrics"].values())
    report["artifact"] = artifact_digest(state["A"]) == state["digest"]
    try:
        client.get_run(state["C"])
        report["c_absent"] = False
    except mlflow.exceptions.MlflowException:
        report["c_absent"] = True
    print(json.dumps(report))
    sys.exit(0)
json.dump(state, open(state_file, "w"))
print(json.dumps({"ok": True}))
