"""mlflow-lab sync: imports the runs of an offline store into the lab's tracking server.

Run by `mlflow-lab sync` with the bundle's mlflow_env.sh sourced (the lab server, the member's
login) and MLFLOW_LAB_SYNC_SOURCE naming the offline store (mlflow_env.offline.sh's sqlite URI).
Brings across experiments by name; run names, status, start and end times; params and tags;
every metric's full history (steps and timestamps); parent links; every artifact.

Idempotent and resumable: each imported run carries the source run's id in SOURCE_TAG, and
COMPLETE_TAG once everything is in. A complete import is skipped; an interrupted one (no
COMPLETE_TAG) is deleted and imported again. Never prints a credential.
"""
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
import urllib.parse
import urllib.request

from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.tracking import MlflowClient

SOURCE_TAG = "mlflow_lab.sync.source_run_id"
COMPLETE_TAG = "mlflow_lab.sync.complete"
PARENT_TAG = "mlflow.parentRunId"
# The server caps a log_batch at 1,000 metrics and 100 params. Every log_batch is synchronous
# whatever the env says (it turns asynchronous logging on): a run is marked complete only after
# the server has acknowledged all of it.
METRICS_PER_BATCH = 1000
PARAMS_PER_BATCH = 100
# Metric histories go up side by side: the server has several workers, and each batch waits on
# one round trip.
UPLOADERS = 4


class Progress:
    """One bar on a terminal, one line per run otherwise (job logs, tests)."""

    def __init__(self, total):
        self.total, self.done, self.started = total, 0, time.monotonic()
        self.tty = sys.stderr.isatty()

    def step(self, what):
        self.done += 1
        if self.tty:
            width = 30
            filled = width * self.done // max(self.total, 1)
            sys.stderr.write("\r[%s%s] %d/%d runs  %s" % ("#" * filled, "." * (width - filled), self.done, self.total, what[:40].ljust(40)))
            if self.done == self.total:
                sys.stderr.write("\n")
        else:
            sys.stderr.write("[sync] %d/%d %s\n" % (self.done, self.total, what))
        sys.stderr.flush()


def source_runs(source):
    """Every active run of every active experiment, parents before their children."""
    runs = []
    for experiment in source.search_experiments(view_type=ViewType.ACTIVE_ONLY):
        token = None
        while True:
            page = source.search_runs([experiment.experiment_id], run_view_type=ViewType.ACTIVE_ONLY, max_results=1000, order_by=["attributes.start_time ASC"], page_token=token)
            runs.extend((experiment, run) for run in page)
            token = page.token
            if not token:
                break
    ids = {run.info.run_id for _, run in runs}
    ordered, placed = [], set()
    while len(ordered) < len(runs):
        before = len(ordered)
        for experiment, run in runs:
            parent = run.data.tags.get(PARENT_TAG)
            if run.info.run_id not in placed and (parent is None or parent not in ids or parent in placed):
                ordered.append((experiment, run))
                placed.add(run.info.run_id)
        if len(ordered) == before:
            raise SystemExit("mlflow-lab sync: the offline store's parent links form a cycle")
    return ordered


def target_experiment(target, experiment, cache):
    if experiment.name not in cache:
        found = target.get_experiment_by_name(experiment.name)
        if found is not None and found.lifecycle_stage != "active":
            raise SystemExit("mlflow-lab sync: experiment %r is deleted on the lab server; restore it there (mlflow experiments restore) or rename it offline" % experiment.name)
        tags = {key: value for key, value in experiment.tags.items() if not key.startswith("mlflow.")}
        cache[experiment.name] = found.experiment_id if found is not None else target.create_experiment(experiment.name, tags=tags)
    return cache[experiment.name]


def imported_run(target, experiment_id, source_run_id):
    """The complete import of a source run, if any; interrupted ones are deleted."""
    query = "tags.`%s` = '%s'" % (SOURCE_TAG, source_run_id)
    complete = None
    for run in target.search_runs([experiment_id], filter_string=query, run_view_type=ViewType.ACTIVE_ONLY):
        if run.data.tags.get(COMPLETE_TAG) == "true" and complete is None:
            complete = run
        else:
            target.delete_run(run.info.run_id)
    return complete


def local_artifact_dir(artifact_uri):
    parsed = urllib.parse.urlparse(artifact_uri)
    if parsed.scheme not in ("", "file"):
        raise SystemExit("mlflow-lab sync: a run's artifacts are at %s, not in a local folder" % artifact_uri)
    return urllib.request.url2pathname(parsed.path) if parsed.scheme == "file" else artifact_uri


def import_run(source, target, experiment_id, run, parents, totals):
    info, data = run.info, run.data
    tags = {key: value for key, value in data.tags.items() if key not in (PARENT_TAG, "mlflow.runName")}
    tags[SOURCE_TAG] = info.run_id
    parent = data.tags.get(PARENT_TAG)
    if parent is not None:
        if parent not in parents:
            raise SystemExit("mlflow-lab sync: run %s names a parent %s that is not in the offline store" % (info.run_id, parent))
        tags[PARENT_TAG] = parents[parent]
    created = target.create_run(experiment_id, start_time=info.start_time, tags=tags, run_name=info.run_name)
    run_id = created.info.run_id
    params = [Param(key, value) for key, value in data.params.items()]
    for start in range(0, len(params), PARAMS_PER_BATCH):
        target.log_batch(run_id, params=params[start:start + PARAMS_PER_BATCH], synchronous=True)
    batches = []
    for key in data.metrics:
        history = [Metric(key, metric.value, metric.timestamp, metric.step) for metric in source.get_metric_history(info.run_id, key)]
        batches.extend(history[start:start + METRICS_PER_BATCH] for start in range(0, len(history), METRICS_PER_BATCH))
    with ThreadPoolExecutor(max_workers=UPLOADERS) as uploaders:
        # list() re-raises the first failure here, before the run can be marked complete.
        list(uploaders.map(lambda batch: target.log_batch(run_id, metrics=batch, synchronous=True), batches))
    points = sum(len(batch) for batch in batches)
    folder = local_artifact_dir(info.artifact_uri)
    files = sum(len(names) for _, _, names in os.walk(folder)) if os.path.isdir(folder) else 0
    if files:
        target.log_artifacts(run_id, folder)
        totals["bytes"] += sum(os.path.getsize(os.path.join(where, name)) for where, _, names in os.walk(folder) for name in names)
    if info.status != "RUNNING":
        target.set_terminated(run_id, status=info.status, end_time=info.end_time)
    target.log_batch(run_id, tags=[RunTag(COMPLETE_TAG, "true")], synchronous=True)
    totals["params"] += len(params)
    totals["points"] += points
    totals["files"] += files
    return run_id


def main():
    source_uri = os.environ.get("MLFLOW_LAB_SYNC_SOURCE", "")
    if not source_uri.startswith("sqlite:"):
        raise SystemExit("mlflow-lab sync: the offline store is %r, not a sqlite URI; the bundle's mlflow_env.offline.sh names it" % source_uri)
    path = source_uri.split(":///", 1)[-1]
    if not os.path.isfile(path if path.startswith("/") else "/" + path):
        raise SystemExit("mlflow-lab sync: no offline store at %s; run this where the offline runs were written" % path)
    source = MlflowClient(tracking_uri=source_uri)
    target = MlflowClient()
    started = time.monotonic()
    runs = source_runs(source)
    print("mlflow-lab sync: %d offline runs in %s -> %s" % (len(runs), path, os.environ.get("MLFLOW_TRACKING_URI")), flush=True)
    progress = Progress(len(runs))
    experiments, parents = {}, {}
    totals = {"imported": 0, "skipped": 0, "params": 0, "points": 0, "files": 0, "bytes": 0}
    for experiment, run in runs:
        experiment_id = target_experiment(target, experiment, experiments)
        existing = imported_run(target, experiment_id, run.info.run_id)
        if existing is not None:
            parents[run.info.run_id] = existing.info.run_id
            totals["skipped"] += 1
            progress.step("%s: already on the server" % (run.info.run_name or run.info.run_id))
            continue
        parents[run.info.run_id] = import_run(source, target, experiment_id, run, parents, totals)
        totals["imported"] += 1
        progress.step("%s/%s" % (experiment.name, run.info.run_name or run.info.run_id))
    seconds = time.monotonic() - started
    print(
        "mlflow-lab sync: imported %(imported)d runs (%(params)d params, %(points)d metric points, %(files)d artifact files, %(bytes)d bytes), "
        "skipped %(skipped)d already on the server" % totals
        + "; %d experiments; %.1f s (%.2f runs/s, %.0f metric points/s)" % (len(experiments), seconds, totals["imported"] / seconds if seconds else 0, totals["points"] / seconds if seconds else 0),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
