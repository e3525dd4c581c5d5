"""What a lab member does, through MLflow's client in the environment of their bundle.

  log NAME        creates experiment NAME (or reuses it) and logs a run in it
  log-into ID     tries to log a run (a param, a metric, a small artifact) in experiment ID
  read RUN_ID     reads a run

Prints one JSON line: what happened, or the server's error code.
"""
import json
import sys

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

action, target = sys.argv[1], sys.argv[2]
client = MlflowClient()
try:
    if action == "log":
        experiment = client.get_experiment_by_name(target)
        experiment_id = experiment.experiment_id if experiment else client.create_experiment(target)
        action, target = "log-into", experiment_id
    if action == "log-into":
        # The fluent API, as training scripts log: it tags the run with the login (mlflow.user).
        with mlflow.start_run(experiment_id=target) as run:
            mlflow.log_param("member_test", "yes")
            mlflow.log_metric("loss", 0.5, step=1)
            mlflow.log_text("written by a member", "note.txt")
        print(json.dumps({"ok": True, "run_id": run.info.run_id, "experiment_id": target}))
    elif action == "read":
        run = client.get_run(target)
        print(json.dumps({"ok": True, "user": run.data.tags.get("mlflow.user"), "params": run.data.params}))
except MlflowException as error:
    print(json.dumps({"ok": False, "error_code": error.error_code}))
