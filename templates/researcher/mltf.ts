/**
 * mltf_config.json for `mlflow run --backend mltf_backend` (CONTRACTS §3). The plugin writes
 * each `environment` entry verbatim after `export ` in the job's bash script, and exports
 * nothing else of ours, so every entry is a bash assignment with its value quoted.
 */
import type { EnvironmentVariable } from "./environment";
import type { LabValues } from "../../model/labValues";
import { bashAssignment } from "../shell";

/** The lab environment first, then the admin's extra variables sorted by name. */
export function environmentEntries(values: LabValues, environment: readonly EnvironmentVariable[]): string[] {
  const extra = Object.entries(values.slurm.extraEnvironment).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    ...environment.map((variable) => bashAssignment(variable.name, variable.value)),
    ...extra.map(([name, value]) => bashAssignment(name, value)),
  ];
}

export function mltfConfig(values: LabValues, environment: readonly EnvironmentVariable[]): Record<string, unknown> {
  const { slurm } = values;
  return {
    // The plugin reads job_name; the seed document spells it job-name. Both, to be safe.
    job_name: slurm.jobName,
    "job-name": slurm.jobName,
    partition: slurm.partition,
    nodes: slurm.nodes,
    "ntasks-per-node": slurm.ntasksPerNode,
    "cpus-per-task": slurm.cpusPerTask,
    mem: slurm.mem,
    time: slurm.time,
    gpus: slurm.gpus,
    modules: [...slurm.modules],
    environment: environmentEntries(values, environment),
    debug: slurm.debug,
  };
}

export function renderMltfConfig(values: LabValues, environment: readonly EnvironmentVariable[]): string {
  return `${JSON.stringify(mltfConfig(values, environment), null, 2)}\n`;
}
