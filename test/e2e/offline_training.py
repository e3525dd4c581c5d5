"""An offline training job as the seeds' projects write one (ClimatExML, ssm-simulators), run
with only mlflow_env.offline.sh: experiments created with their artifact folder under
MLFLOW_ARTIFACT_LOCATION, a sweep as a parent run with nested trials logging 1,000 steps each, a
checkpoint folder per trial, and a failed run.

Usage: offline_training.py EXPERIMENT... (default: ocean-currents sea-ice)
"""
import math
import os
import sys
import tempfile

import mlflow

STEPS = 1000
root = os.environ["MLFLOW_ARTIFACT_LOCATION"]


def experiment(name):
    found = mlflow.get_experiment_by_name(name)
    return found.experiment_id if found else mlflow.create_experiment(name, artifact_location=os.path.join(root, name), tags={"team": "ocean"})


for name in sys.argv[1:] or ["ocean-currents", "sea-ice"]:
    mlflow.set_experiment(experiment_id=experiment(name))
    with mlflow.start_run(run_name="%s-sweep" % name):
        mlflow.log_params({"sweep": "learning_rate", "dataset": "era5 'subset' $HOME"})
        mlflow.set_tag("stage", "sweep")
        for rate in (0.1, 0.01):
            with mlflow.start_run(run_name="lr-%s" % rate, nested=True):
                mlflow.log_param("learning_rate", rate)
                for step in range(STEPS):
                    mlflow.log_metrics({"loss": math.exp(-rate * step), "accuracy": 1 - math.exp(-rate * step) / 2, "lr": rate}, step=step)
                with tempfile.TemporaryDirectory() as folder:
                    os.makedirs(os.path.join(folder, "shards"))
                    with open(os.path.join(folder, "model.bin"), "wb") as handle:
                        handle.write(os.urandom(1024 * 1024))
                    for shard in range(3):
                        with open(os.path.join(folder, "shards", "part-%d.txt" % shard), "w") as handle:
                            handle.write("shard %d of rate %s\n" % (shard, rate))
                    mlflow.log_artifacts(folder, "checkpoint")
    with mlflow.start_run(run_name="%s-diverged" % name):
        mlflow.log_metric("loss", float("inf"), step=0)
        mlflow.end_run(status="FAILED")
print("offline runs written", flush=True)
