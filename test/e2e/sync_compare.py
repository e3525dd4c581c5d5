"""Compares an offline store with the lab server after mlflow-lab sync, run by run.

Run with mlflow_env.sh sourced and MLFLOW_LAB_SYNC_SOURCE set to the offline store. Prints one
JSON line: how many source runs, how many imports were found for them, and every difference
(names, status, times, params, tags, parent links, metric histories, artifact bytes).
"""
import hashlib
import json
import os
import sys
import tempfile

from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

# The tags are the sync's own: named once, in cli/sync.py.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "cli"))
from sync import COMPLETE_TAG, PARENT_TAG, SOURCE_TAG  # noqa: E402

SYNC_TAGS = {SOURCE_TAG, COMPLETE_TAG, PARENT_TAG}
source = MlflowClient(tracking_uri=os.environ["MLFLOW_LAB_SYNC_SOURCE"])
target = MlflowClient()


def artifacts(client, run_id):
    with tempfile.TemporaryDirectory() as folder:
        client.download_artifacts(run_id, "", folder)
        return {
            os.path.relpath(os.path.join(where, name), folder): hashlib.sha256(open(os.path.join(where, name), "rb").read()).hexdigest()
            for where, _, names in os.walk(folder) for name in names
        }


def history(client, run):
    return {key: sorted((m.step, m.timestamp, m.value) for m in client.get_metric_history(run.info.run_id, key)) for key in run.data.metrics}


differences, found, imports = [], {}, 0
for experiment in source.search_experiments():
    twin = target.get_experiment_by_name(experiment.name)
    for run in source.search_runs([experiment.experiment_id], run_view_type=ViewType.ACTIVE_ONLY, max_results=1000):
        matches = [] if twin is None else target.search_runs([twin.experiment_id], filter_string="tags.`%s` = '%s'" % (SOURCE_TAG, run.info.run_id), run_view_type=ViewType.ACTIVE_ONLY)
        imports += len(matches)
        if len(matches) != 1:
            differences.append("%s: %d imports" % (run.info.run_name, len(matches)))
            continue
        copy = matches[0]
        found[run.info.run_id] = copy.info.run_id
        for field in ("run_name", "status", "start_time", "end_time"):
            if getattr(run.info, field) != getattr(copy.info, field):
                differences.append("%s: %s %r != %r" % (run.info.run_name, field, getattr(run.info, field), getattr(copy.info, field)))
        if run.data.params != copy.data.params:
            differences.append("%s: params differ" % run.info.run_name)
        strip = lambda tags: {k: v for k, v in tags.items() if k not in SYNC_TAGS}
        if strip(run.data.tags) != strip(copy.data.tags):
            differences.append("%s: tags differ: %r" % (run.info.run_name, set(strip(run.data.tags).items()) ^ set(strip(copy.data.tags).items())))
        if history(source, run) != history(target, copy):
            differences.append("%s: metric histories differ" % run.info.run_name)
        if artifacts(source, run.info.run_id) != artifacts(target, copy.info.run_id):
            differences.append("%s: artifacts differ" % run.info.run_name)
# Parent links point at the imported parents.
for run_id, copy_id in found.items():
    parent = source.get_run(run_id).data.tags.get("mlflow.parentRunId")
    if parent is not None and target.get_run(copy_id).data.tags.get("mlflow.parentRunId") != found.get(parent):
        differences.append("%s: parent link not carried" % run_id)
print(json.dumps({"runs": len(found), "imports": imports, "differences": differences}))
