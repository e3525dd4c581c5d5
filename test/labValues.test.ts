import { describe, expect, it } from "vitest";
import { labValuesFromDocument, parseLabValues } from "../model/labValues";
import { directLabValues, proxiedLabValues } from "./helpers/fixtures";
import { validationProblems } from "./helpers/problems";

const problemsOf = (document: unknown) => validationProblems(() => parseLabValues(document));

describe("parseLabValues", () => {
  it("accepts both fixtures unchanged", () => {
    expect(parseLabValues(directLabValues())).toEqual(directLabValues());
    expect(parseLabValues(proxiedLabValues())).toEqual(proxiedLabValues());
  });

  it.each([
    ["slurm.time", (v: any) => (v.slurm.time = "5 minutes"), /Slurm time/],
    ["slurm.mem", (v: any) => (v.slurm.mem = "lots"), /memory size/],
    ["slurm.jobName", (v: any) => (v.slurm.jobName = "x\n#SBATCH --exclusive"), /letters, digits/],
    ["slurm.modules.0", (v: any) => (v.slurm.modules = ["python; rm -rf /"]), /module name/],
    ["slurm.gpus", (v: any) => (v.slurm.gpus = 0), /at least 1, or null/],
    ["runai.gpus", (v: any) => (v.runai.gpus = 1.5), /fraction below 1/],
    ["runai.project", (v: any) => (v.runai.project = "Ocean_Lab"), /DNS-1123/],
    ["runai.memory", (v: any) => (v.runai.memory = "16 GB"), /memory quantity/],
    ["trackingUri", (v: any) => (v.trackingUri = "mlflow.example.org"), /absolute URL/],
    ["trackingUri", (v: any) => (v.trackingUri = "https://user:pw@mlflow.example.org"), /must not embed credentials/],
    ["artifacts.bucket", (v: any) => (v.artifacts.bucket = "Bad_Bucket"), /bucket name/],
    ["offline.sqliteDbPath", (v: any) => (v.offline.sqliteDbPath = "relative/mlflow.db"), /absolute path/],
    ["lab", (v: any) => (v.lab = "-bad-"), /DNS-1123/],
    ["runai.cpuLimit", (v: any) => (v.runai.cpuLimit = "4"), /not a known field/],
  ])("names %s when it is bad", (path, mutate, message) => {
    const values = directLabValues();
    mutate(values);
    const problems = problemsOf(values);
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe(path);
    expect(problems[0].message).toMatch(message);
  });

  it("reports every bad field at once", () => {
    const values: any = directLabValues();
    values.slurm.time = "soon";
    values.runai.gpus = -1;
    delete values.runai.envSecretName;
    expect(problemsOf(values).map((p) => p.path).sort()).toEqual(["runai.envSecretName", "runai.gpus", "slurm.time"]);
  });

  it("rejects an unknown artifact mode", () => {
    const values: any = proxiedLabValues();
    values.artifacts = { mode: "public" };
    expect(problemsOf(values)[0].path).toBe("artifacts.mode");
  });

  it("refuses extraEnvironment that redefines a variable mlflow-lab sets", () => {
    const values = directLabValues();
    values.slurm.extraEnvironment = { MLFLOW_TRACKING_URI: "http://elsewhere" };
    expect(problemsOf(values)).toEqual([
      { path: "slurm.extraEnvironment.MLFLOW_TRACKING_URI", message: "is set by mlflow-lab itself; remove it from extraEnvironment" },
    ]);
  });

  it("requires https when a CA is configured", () => {
    const values = directLabValues();
    values.trackingUri = "http://mlflow.example.org";
    expect(problemsOf(values)).toEqual([{ path: "trackingUri", message: "must use https:// when tls is set" }]);
  });

  it("never echoes a credential in an error", () => {
    const values: any = directLabValues();
    values.tracking.password = "hunter2\0";
    values.artifacts.secretAccessKey = 42;
    const text = JSON.stringify(problemsOf(values));
    expect(text).toContain("tracking.password");
    expect(text).toContain("artifacts.secretAccessKey");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("42");
  });
});

describe("labValuesFromDocument", () => {
  it("takes labValues out of a whole stack output", () => {
    const stackOutput = { trackingUrl: "https://mlflow.ocean-lab.example.org", labValues: directLabValues() };
    expect(labValuesFromDocument(stackOutput)).toEqual(directLabValues());
  });

  it("takes a bare LabValues document", () => {
    expect(labValuesFromDocument(proxiedLabValues())).toEqual(proxiedLabValues());
  });
});
