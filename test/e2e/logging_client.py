"""A training loop that logs one metric point per step until told to stop, as a researcher's
job would, with only the environment of mlflow_env.sh and MLflow's own retries.

Usage: logging_client.py ACK_FILE STOP_FILE. Each acknowledged step is appended to ACK_FILE
(after MLflow returned), so the test can count what the server confirmed. Prints the run id.
"""
import os
import sys
import time

import mlflow

ack_path, stop_path = sys.argv[1], sys.argv[2]
with mlflow.start_run(run_name="supervision") as run:
    print(run.info.run_id, flush=True)
    step = 0
    with open(ack_path, "a") as acks:
        while not os.path.exists(stop_path):
            started = time.monotonic()
            # synchronous: an acknowledged point is one the server confirmed, even where the
            # env turns asynchronous logging on.
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step, synchronous=True)
            acks.write("%d %.3f %.3f\n" % (step, time.time(), time.monotonic() - started))
            acks.flush()
            step += 1
            time.sleep(0.05)
