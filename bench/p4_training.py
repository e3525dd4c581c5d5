"""P4: a training loop that logs 10 metrics per step, as a researcher's script does.

    p4_training.py STEPS STEP_SECONDS none|log [keep-default-sigterm]

Each step waits STEP_SECONDS (the host thread of a GPU job waits on the device), then logs 10
metrics with mlflow.log_metrics, through whatever environment the caller sourced. SIGTERM (what
Slurm and Kubernetes send before killing a job) becomes a normal exit, so MLflow's exit hooks
flush the asynchronous logging queue and end the run. Prints one JSON line on the way out:
wall seconds (end_run included: every point sent), steps logged, the run id.
"""
import json
import os
import signal
import sys
import time

import mlflow

steps, step_seconds, logging = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
# For the drill that shows what a job without the handler loses: it dies without a word, so it
# records each step it logged in P4_PROGRESS_FILE.
keep_default_sigterm = sys.argv[4:] == ["keep-default-sigterm"]
progress_file = os.environ.get("P4_PROGRESS_FILE")


def exit_on_sigterm(signum, _frame):
    # sys.exit runs atexit hooks: MLflow's flush of queued metrics and its end_run.
    sys.exit(128 + signum)


if not keep_default_sigterm:
    signal.signal(signal.SIGTERM, exit_on_sigterm)

began = time.perf_counter()
logged = 0
run_id = None
try:
    if logging == "log":
        run_id = mlflow.start_run().info.run_id
        print(json.dumps({"run_id": run_id}), flush=True)
    for step in range(steps):
        time.sleep(step_seconds)
        if logging == "log":
            mlflow.log_metrics({f"metric_{index}": step * 0.001 + index for index in range(10)}, step=step)
        logged = step + 1
        if progress_file:
            with open(progress_file, "w") as progress:
                progress.write(str(logged))
    if logging == "log":
        mlflow.end_run()
finally:
    print(json.dumps({"wall_seconds": time.perf_counter() - began, "steps_logged": logged, "run_id": run_id}), flush=True)
