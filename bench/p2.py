"""P2: artifacts through the researcher environment (mlflow.log_artifact / log_artifacts) vs a
raw boto3 upload of the same bytes to the same bucket.

argv: a JSON spec, the bucket, a raw key prefix. The spec's shape is one file
({"shape": "file", "mib": 64}) or a checkpoint-like folder ({"shape": "folder", "files": 2000,
"kib": 16}); "multipart" ({"minimumMiB": 32, "chunkMiB": 16}) overrides the environment's
multipart settings for this upload only, to try other thresholds and part sizes.

MLflow uses the environment as sourced from mlflow_env.sh; the raw upload uses BENCH_RAW_* keys,
one file after another as MLflow's client does. Prints one JSON line of seconds and MB/s."""
import json
import os
import sys
import tempfile
import time

import boto3
import mlflow

MIB = 1024 * 1024
spec, bucket, prefix = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]

multipart = spec.get("multipart")
if multipart:
    # MLflow reads these at each upload, so setting them here is enough.
    os.environ["MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE"] = str(multipart["minimumMiB"] * MIB)
    os.environ["MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE"] = str(multipart["chunkMiB"] * MIB)


def write_random(path, size):
    with open(path, "wb") as handle:
        while size > 0:
            handle.write(os.urandom(min(size, MIB)))
            size -= MIB


with tempfile.TemporaryDirectory() as folder:
    source = os.path.join(folder, "checkpoint")
    os.mkdir(source)
    if spec["shape"] == "file":
        write_random(os.path.join(source, "artifact.bin"), spec["mib"] * MIB)
    else:
        for index in range(spec["files"]):
            write_random(os.path.join(source, f"shard-{index:05d}.bin"), spec["kib"] * 1024)
    files = sorted(os.listdir(source))
    total_bytes = sum(os.path.getsize(os.path.join(source, name)) for name in files)

    raw = boto3.client(
        "s3",
        endpoint_url=os.environ["BENCH_RAW_ENDPOINT"],
        aws_access_key_id=os.environ["BENCH_RAW_ACCESS_KEY"],
        aws_secret_access_key=os.environ["BENCH_RAW_SECRET_KEY"],
        region_name="us-east-1",
    )
    began = time.perf_counter()
    for name in files:
        raw.upload_file(os.path.join(source, name), bucket, f"{prefix}/{name}")
    raw_seconds = time.perf_counter() - began

    mlflow.set_experiment("bench-artifacts")
    with mlflow.start_run():
        began = time.perf_counter()
        if spec["shape"] == "file":
            mlflow.log_artifact(os.path.join(source, files[0]))
        else:
            mlflow.log_artifacts(source, "checkpoint")
        mlflow_seconds = time.perf_counter() - began

megabytes = total_bytes / 1e6
print(json.dumps({
    "spec": spec,
    "megabytes": megabytes,
    "rawSeconds": raw_seconds,
    "mlflowSeconds": mlflow_seconds,
    "rawMBps": megabytes / raw_seconds,
    "mlflowMBps": megabytes / mlflow_seconds,
    "ratio": raw_seconds / mlflow_seconds,
}))
