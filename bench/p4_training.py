"""P4: a training loop that logs 10 metrics per step, as a researcher's script does.

    p4_training.py STEPS STEP_SECONDS none|log [keep-default-sigterm]

Each step waits STEP_SECONDS (the host thread of a GPU job waits on the device), then logs 10
metrics with mlflow.log_metrics, through whatever environment the caller sourced. As the bundle
README says, the run is a `with` block and SIGTERM (what Slurm and Kubernetes send before killing
a job) raises SystemExit, which leaves the block: the run ends and what MLflow still queues is
sent. Prints one JSON line on the way out: wall seconds (end of the run included: every point
sent), steps logged, the run id, and where the time went.
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
    # SystemExit leaves the `with` block, whose end sends the queue while Python still can; at
    # exit (atexit) it no longer can: the thread pools that send are already shut down.
    sys.exit(128 + signum)


if not keep_default_sigterm:
    signal.signal(signal.SIGTERM, exit_on_sigterm)

began = time.perf_counter()
logged = 0
run_id = None
# Where the time goes: starting the run, the steps, ending it (the flush of what is queued).
phases = {}


def train():
    global logged
    phases["start_seconds"] = time.perf_counter() - began
    for step in range(steps):
        time.sleep(step_seconds)
        if logging == "log":
            mlflow.log_metrics({f"metric_{index}": step * 0.001 + index for index in range(10)}, step=step)
        logged = step + 1
        if progress_file:
            with open(progress_file, "w") as progress:
                progress.write(str(logged))
    phases["loop_seconds"] = time.perf_counter() - began - phases["start_seconds"]


try:
    if logging == "log":
        with mlflow.start_run() as run:
            run_id = run.info.run_id
            print(json.dumps({"run_id": run_id}), flush=True)
            train()
    else:
        train()
finally:
    wall_seconds = time.perf_counter() - began
    if "loop_seconds" in phases:
        phases["end_seconds"] = wall_seconds - phases["start_seconds"] - phases["loop_seconds"]
    print(json.dumps({"wall_seconds": wall_seconds, "steps_logged": logged, "run_id": run_id, **phases}), flush=True)
