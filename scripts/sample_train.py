"""A tiny training run for the local lab: uses only what `source mlflow_env.sh` set."""
import math
import os
import tempfile

import mlflow

with mlflow.start_run(run_name="mlflow-lab sample") as run:
    mlflow.log_params({"learning_rate": 0.01, "epochs": 20})
    for epoch in range(20):
        mlflow.log_metric("loss", math.exp(-epoch / 5), step=epoch)
    with tempfile.TemporaryDirectory() as folder:
        summary = os.path.join(folder, "summary.txt")
        with open(summary, "w") as handle:
            handle.write("final loss %.4f\n" % math.exp(-19 / 5))
        mlflow.log_artifact(summary)
    print("run_id=" + run.info.run_id)
