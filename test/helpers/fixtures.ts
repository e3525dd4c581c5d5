import * as fs from "node:fs";
import * as path from "node:path";
import type { LabValues } from "../../model/labValues";

const FIXTURES = path.join(__dirname, "..", "fixtures");

/** A direct-mode lab with every optional part set (fractional GPU, offline, CA). */
export function directLabValues(): LabValues {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, "labValues.direct.json"), "utf8")) as LabValues;
}

/** The smallest proxied-mode lab: no CA, no offline, whole GPUs, training jobs. */
export function proxiedLabValues(): LabValues {
  const values = directLabValues();
  return {
    lab: values.lab,
    trackingUri: values.trackingUri,
    tracking: values.tracking,
    artifacts: { mode: "proxied" },
    runai: { ...values.runai, gpus: 2, interactive: false },
    slurm: { ...values.slurm, extraEnvironment: {} },
  };
}
