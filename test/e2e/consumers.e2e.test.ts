import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { writeBundle } from "../../io/bundleWriter";
import { renderBundle } from "../../templates/researcher/bundle";
import type { LabValues } from "../../model/labValues";
import { jobEnvironment } from "../helpers/bash";
import { directLabValues, proxiedLabValues } from "../helpers/fixtures";
import { E2E_DIR, lastJsonLine, PYTHON, runOrThrow } from "./labHarness";

interface Container {
  name: string;
  image: string;
  command: string[];
  env: { name: string; value: string }[];
  envFrom: unknown[];
  resources: { limits: Record<string, unknown> };
}
interface Consumed {
  config: Record<string, string>;
  job: {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: { template: { metadata: { annotations?: Record<string, string> }; spec: { schedulerName: string; containers: Container[] } } };
  };
}

function consume(values: LabValues): Consumed {
  const bundle = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));
  writeBundle(renderBundle(values, bundle), bundle);
  // mlflow run starts in the researcher's project folder, not in the bundle.
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "project-"));
  return lastJsonLine<Consumed>(runOrThrow(PYTHON, [path.join(E2E_DIR, "kubernetes_consumer.py"), bundle, project], { PATH: process.env.PATH ?? "" }));
}

describe("MLflow's kubernetes backend consumes the bundle (CONTRACTS §1-2)", () => {
  it("accepts kubernetes_config.json from another folder and builds a valid Job for whole GPUs", () => {
    const { config, job } = consume(proxiedLabValues());
    expect(config["repository-uri"]).toBe("registry.example.org/ocean/mlflow");
    expect(job.metadata.namespace).toBe("runai-ocean");
    expect(job.metadata.name).toMatch(/^ocean-train-\d{4}-\d{2}-\d{2}-/);
    expect(job.spec.template.spec.schedulerName).toBe("runai-scheduler");
    const container = job.spec.template.spec.containers[0];
    expect(container).toMatchObject({ name: "ocean-train", image: `registry.example.org/ocean/mlflow@sha256:${"0".repeat(64)}`, command: ["python", "train.py", "--epochs", "3"] });
    expect(container.resources.limits["nvidia.com/gpu"]).toBe(2);
    expect(container.envFrom).toEqual([{ secretRef: { name: "mlflow-env" } }]);
    expect(container.env.map((e) => e.name)).toEqual(["MLFLOW_RUN_ID", "MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_ID"]);
  });

  it("builds a valid Job for a fractional GPU: annotation, no nvidia.com/gpu limit, CA mounted", () => {
    const { job } = consume(directLabValues());
    expect(job.spec.template.metadata.annotations).toEqual({ "gpu-fraction": "0.5" });
    expect(job.spec.template.spec.containers[0].resources.limits).not.toHaveProperty("nvidia.com/gpu");
    expect(job.metadata.labels.priorityClassName).toBe("build");
  });
});

describe("mltf_config.json environment, the way the plugin writes it", () => {
  it("reproduces every value after export in a bash job script, and exports no credential", () => {
    const values = directLabValues();
    values.experimentName = `p'a"s$s\`w;o\nrd`;
    values.slurm.extraEnvironment = { GREETING: "hello $USER; $(id)" };
    const bundle = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));
    writeBundle(renderBundle(values, bundle), bundle);
    const config = JSON.parse(fs.readFileSync(path.join(bundle, "mltf_config.json"), "utf8")) as { environment: string[] };
    const job = jobEnvironment(config.environment);
    for (const credential of ["MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) expect(job[credential]).toBeUndefined();
    expect(job).toMatchObject({
      MLFLOW_EXPERIMENT_NAME: `p'a"s$s\`w;o\nrd`,
      GREETING: "hello $USER; $(id)",
    });
  });
});
