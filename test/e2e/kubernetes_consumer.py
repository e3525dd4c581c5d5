"""MLflow's own code consumes the bundle's kubernetes files; the Job it builds is validated offline.

argv: bundle dir, working dir to run from (the researcher's project, not the bundle).
Prints the Job MLflow would submit as JSON, after kubernetes-validate accepts it.
"""
import json
import os
import sys

import kubernetes_validate
from mlflow.projects import _parse_kubernetes_config
from mlflow.projects.kubernetes import _get_kubernetes_job_definition

bundle, workdir = sys.argv[1], sys.argv[2]
os.chdir(workdir)  # the path check happens against the directory where `mlflow run` starts
with open(os.path.join(bundle, "kubernetes_config.json")) as handle:
    config = _parse_kubernetes_config(json.load(handle))
job = _get_kubernetes_job_definition(
    project_name="ocean-train",
    image_tag="registry.example.org/ocean/mlflow",
    image_digest="sha256:" + "0" * 64,
    command=["python", "train.py", "--epochs", "3"],
    env_vars={"MLFLOW_RUN_ID": "0123456789abcdef", "MLFLOW_TRACKING_URI": "https://mlflow.example.org", "MLFLOW_EXPERIMENT_ID": "1"},
    job_template=config["kube-job-template"],
)
kubernetes_validate.validate(job, "1.37", strict=True)
print(json.dumps({"config": {k: v for k, v in config.items() if k != "kube-job-template"}, "job": job}))
