"""P2: a large artifact through the researcher environment (mlflow.log_artifact) vs a raw boto3
upload of the same file to the same bucket. argv: size in MiB, bucket, raw key prefix.
MLflow uses the environment as sourced from mlflow_env.sh; the raw upload uses BENCH_RAW_* keys.
Prints one JSON line of MB/s."""
import json
import os
import sys
import tempfile
import time

import boto3
import mlflow

size_mib, bucket, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "artifact.bin")
    with open(path, "wb") as handle:
        for _ in range(size_mib):
            handle.write(os.urandom(1024 * 1024))
    size_mb = size_mib * 1024 * 1024 / 1e6

    raw = boto3.client(
        "s3",
        endpoint_url=os.environ["BENCH_RAW_ENDPOINT"],
        aws_access_key_id=os.environ["BENCH_RAW_ACCESS_KEY"],
        aws_secret_access_key=os.environ["BENCH_RAW_SECRET_KEY"],
        region_name="us-east-1",
    )
    began = time.perf_counter()
    raw.upload_file(path, bucket, prefix + "/raw-artifact.bin")
    raw_seconds = time.perf_counter() - began

    mlflow.set_experiment("bench-artifacts")
    with mlflow.start_run():
        began = time.perf_counter()
        mlflow.log_artifact(path)
        mlflow_seconds = time.perf_counter() - began
print(json.dumps({"sizeMiB": size_mib, "rawMBps": size_mb / raw_seconds, "mlflowMBps": size_mb / mlflow_seconds, "ratio": raw_seconds / mlflow_seconds}))
