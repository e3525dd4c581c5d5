import fc from "fast-check";
import * as yaml from "js-yaml";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { renderBundle, type BundleFile } from "../templates/researcher/bundle";
import { parseLabValues, type LabValues } from "../model/labValues";
import { writeBundle } from "../io/bundleWriter";
import { quoteForBash } from "../templates/shell";
import { environmentAfter, jobEnvironment, shellcheck } from "./helpers/bash";
import { directLabValues, proxiedLabValues } from "./helpers/fixtures";
import { hostileString } from "./helpers/hostile";

const BUNDLE_DIR = "/srv/labs/ocean-lab";

function file(files: BundleFile[], name: string): BundleFile {
  const found = files.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`${name} not rendered`);
  return found;
}

/** Sources an env file in a clean bash and returns every variable it left set, by name. */
function sourcedEnvironment(envFile: string, cwd: string, inherited: Record<string, string> = {}): Record<string, string> {
  const variables = environmentAfter(`set -eu; source ${quoteForBash(envFile)}`, { cwd, env: inherited });
  for (const name of ["PATH", "PWD", "SHLVL", "_", ...Object.keys(inherited)]) delete variables[name];
  return variables;
}

function writeToTemp(files: BundleFile[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));
  writeBundle(files, dir);
  return dir;
}

describe("mlflow_env.sh", () => {
  it("sets exactly the proxied-mode variables: tracking, asynchronous logging and multipart uploads, no S3 keys", () => {
    const values = proxiedLabValues();
    const dir = writeToTemp(renderBundle(values, BUNDLE_DIR));
    expect(sourcedEnvironment(path.join(dir, "mlflow_env.sh"), dir)).toEqual({
      MLFLOW_TRACKING_URI: "https://mlflow.ocean-lab.example.org",
      MLFLOW_TRACKING_USERNAME: "ocean-lab",
      MLFLOW_TRACKING_PASSWORD: "fixture-password-not-real",
      MLFLOW_ENABLE_ASYNC_LOGGING: "true",
      MLFLOW_ASYNC_LOGGING_BUFFERING_SECONDS: "2",
      MLFLOW_ASYNC_LOGGING_THREADPOOL_SIZE: "2",
      MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD: "true",
      MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE: "16777216",
    });
  });

  it("leaves multipart uploads off when the lab's researchers cannot reach the object store", () => {
    const values = proxiedLabValues();
    const dir = writeToTemp(renderBundle({ ...values, artifacts: { mode: "proxied", multipartUpload: false } }, BUNDLE_DIR));
    expect(Object.keys(sourcedEnvironment(path.join(dir, "mlflow_env.sh"), dir)).sort()).toEqual(["MLFLOW_ASYNC_LOGGING_BUFFERING_SECONDS", "MLFLOW_ASYNC_LOGGING_THREADPOOL_SIZE", "MLFLOW_ENABLE_ASYNC_LOGGING", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_USERNAME"]);
  });

  it("sets the direct-mode S3 variables, path addressing and the shipped CA path", () => {
    const dir = writeToTemp(renderBundle(directLabValues(), BUNDLE_DIR));
    expect(sourcedEnvironment(path.join(dir, "mlflow_env.sh"), dir)).toEqual({
      MLFLOW_TRACKING_URI: "https://mlflow.ocean-lab.example.org",
      MLFLOW_TRACKING_USERNAME: "ocean-lab",
      MLFLOW_TRACKING_PASSWORD: "fixture-password-not-real",
      MLFLOW_TRACKING_SERVER_CERT_PATH: `${BUNDLE_DIR}/lab-ca.pem`,
      MLFLOW_EXPERIMENT_NAME: "ocean currents",
      MLFLOW_ENABLE_ASYNC_LOGGING: "true",
      MLFLOW_ASYNC_LOGGING_BUFFERING_SECONDS: "2",
      MLFLOW_ASYNC_LOGGING_THREADPOOL_SIZE: "2",
      MLFLOW_S3_ENDPOINT_URL: "https://object-arbutus.example.org",
      AWS_ACCESS_KEY_ID: "fixture-access-key",
      AWS_SECRET_ACCESS_KEY: "fixture-secret-key",
      AWS_DEFAULT_REGION: "us-east-1",
      MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: "path",
    });
  });

  it("never sets MLFLOW_TRACKING_INSECURE_TLS or MLFLOW_S3_IGNORE_TLS", () => {
    for (const values of [directLabValues(), proxiedLabValues()]) {
      const text = renderBundle(values, BUNDLE_DIR).map((f) => f.content).join("\n");
      expect(text).not.toMatch(/INSECURE_TLS|S3_IGNORE_TLS/);
    }
  });

  it("passes shellcheck, online and offline, in both artifact modes", () => {
    for (const values of [directLabValues(), proxiedLabValues()]) {
      const dir = writeToTemp(renderBundle(values, BUNDLE_DIR));
      for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".sh"))) {
        expect(shellcheck(path.join(dir, name)), name).toBe("");
      }
    }
  });
});

describe("mlflow_env.offline.sh", () => {
  it("points MLflow at local sqlite and files only, and clears online credentials", () => {
    const dir = writeToTemp(renderBundle(directLabValues(), BUNDLE_DIR));
    const inherited = { MLFLOW_TRACKING_PASSWORD: "leftover", AWS_SECRET_ACCESS_KEY: "leftover" };
    const variables = environmentAfter("source mlflow_env.offline.sh", { cwd: dir, env: inherited });
    expect(variables).toMatchObject({
      MLFLOW_TRACKING_URI: "sqlite:////scratch/ocean/mlflow.db",
      MLFLOW_SQLITE_DB_PATH: "sqlite:////scratch/ocean/mlflow.db",
      MLFLOW_ARTIFACTS_PATH: "/scratch/ocean/artifacts",
      MLFLOW_ARTIFACT_LOCATION: "/scratch/ocean/artifacts",
      MLFLOW_EXPERIMENT_NAME: "ocean currents",
    });
    expect(variables).not.toHaveProperty("MLFLOW_TRACKING_PASSWORD");
    expect(variables).not.toHaveProperty("AWS_SECRET_ACCESS_KEY");
  });

  it("is rendered only when offline paths are set", () => {
    expect(renderBundle(proxiedLabValues(), BUNDLE_DIR).map((f) => f.name)).not.toContain("mlflow_env.offline.sh");
  });
});

describe("kubernetes_config.json (CONTRACTS §1)", () => {
  it("holds exactly the keys MLflow reads, with an absolute template path into the bundle", () => {
    const config = JSON.parse(file(renderBundle(directLabValues(), BUNDLE_DIR), "kubernetes_config.json").content) as Record<string, string>;
    expect(config).toEqual({
      "kube-context": "runai-cluster",
      "kube-job-template-path": `${BUNDLE_DIR}/kubernetes_job_template.yaml`,
      "repository-uri": "registry.example.org/ocean/mlflow",
    });
  });

  it("leaves kube-context out when none is configured, so MLflow uses the current context", () => {
    const values = proxiedLabValues();
    const runai = { ...values.runai, kubeContext: undefined };
    const config = JSON.parse(file(renderBundle({ ...values, runai }, BUNDLE_DIR), "kubernetes_config.json").content) as object;
    expect(Object.keys(config)).toEqual(["kube-job-template-path", "repository-uri"]);
  });
});

describe("kubernetes_job_template.yaml (CONTRACTS §1-2)", () => {
  type Job = {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: {
      backoffLimit: number;
      ttlSecondsAfterFinished: number;
      template: {
        metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
        spec: {
          schedulerName: string;
          restartPolicy: string;
          containers: { name: string; image: string; env?: unknown; envFrom: unknown; resources: { limits: Record<string, unknown>; requests: Record<string, unknown> } }[];
          volumes?: unknown[];
        };
      };
    };
  };
  const job = (values: LabValues) => yaml.load(file(renderBundle(values, BUNDLE_DIR), "kubernetes_job_template.yaml").content) as Job;

  it("is a batch/v1 Job in runai-<project>, scheduled by Run:ai, never retried", () => {
    const rendered = job(proxiedLabValues());
    expect(rendered.metadata.namespace).toBe("runai-ocean");
    expect(rendered.spec.template.spec.schedulerName).toBe("runai-scheduler");
    expect(rendered.spec.template.spec.restartPolicy).toBe("Never");
    expect(rendered.spec.backoffLimit).toBe(0);
    expect(rendered.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(rendered.metadata.labels["runai/queue"]).toBe("ocean");
  });

  it("asks for whole GPUs as an integer nvidia.com/gpu limit and no fraction annotation", () => {
    const rendered = job(proxiedLabValues());
    expect(rendered.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]).toBe(2);
    expect(rendered.spec.template.metadata.annotations).toBeUndefined();
  });

  it("asks for a fractional GPU as a gpu-fraction string annotation and no nvidia.com/gpu limit", () => {
    const rendered = job(directLabValues());
    expect(rendered.spec.template.metadata.annotations).toEqual({ "gpu-fraction": "0.5" });
    expect(rendered.spec.template.spec.containers[0].resources.limits).not.toHaveProperty("nvidia.com/gpu");
  });

  it("asks for no GPU at all when gpus is 0", () => {
    const values = proxiedLabValues();
    const rendered = job({ ...values, runai: { ...values.runai, gpus: 0 } });
    expect(rendered.spec.template.metadata.annotations).toBeUndefined();
    expect(rendered.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: "4", memory: "16Gi" });
  });

  it("labels interactive jobs priorityClassName=build and training jobs not at all", () => {
    expect(job(directLabValues()).metadata.labels.priorityClassName).toBe("build");
    expect(job(proxiedLabValues()).metadata.labels).not.toHaveProperty("priorityClassName");
  });

  it("takes the MLflow environment from the Secret, leaves env for MLflow, inlines no credential", () => {
    const values = directLabValues();
    const text = file(renderBundle(values, BUNDLE_DIR), "kubernetes_job_template.yaml").content;
    const container = job(values).spec.template.spec.containers[0];
    expect(container.envFrom).toEqual([{ secretRef: { name: "mlflow-env" } }]);
    expect(container).not.toHaveProperty("env");
    for (const secret of ["fixture-password-not-real", "fixture-access-key", "fixture-secret-key"]) expect(text).not.toContain(secret);
  });

  it("sets CPU and memory requests and limits", () => {
    const container = job(proxiedLabValues()).spec.template.spec.containers[0];
    expect(container.resources.requests).toEqual({ cpu: "4", memory: "16Gi" });
    expect(container.resources.limits).toMatchObject({ cpu: "4", memory: "16Gi" });
  });

  it("mounts the lab CA from a ConfigMap only when the bundle ships one", () => {
    expect(job(directLabValues()).spec.template.spec.volumes).toEqual([
      { name: "mlflow-lab-ca", configMap: { name: "mlflow-env-ca", items: [{ key: "ca.pem", path: "ca.pem" }] } },
    ]);
    expect(job(proxiedLabValues()).spec.template.spec.volumes).toBeUndefined();
  });

  it("renders the same text for the same values (deterministic)", () => {
    expect(renderBundle(directLabValues(), BUNDLE_DIR)).toEqual(renderBundle(directLabValues(), BUNDLE_DIR));
    expect(file(renderBundle(directLabValues(), BUNDLE_DIR), "kubernetes_job_template.yaml").content).toMatchSnapshot();
  });
});

describe("mltf_config.json (CONTRACTS §3)", () => {
  const config = (values: LabValues) => JSON.parse(file(renderBundle(values, BUNDLE_DIR), "mltf_config.json").content) as Record<string, unknown>;

  it("holds the Slurm keys the plugin sends, job_name and job-name both, modules and debug", () => {
    expect(config(directLabValues())).toMatchObject({
      job_name: "ocean-mlflow",
      "job-name": "ocean-mlflow",
      partition: "gpu",
      nodes: 1,
      "ntasks-per-node": 1,
      "cpus-per-task": 8,
      mem: "32G",
      time: "02:00:00",
      gpus: 1,
      modules: ["StdEnv/2023", "python/3.12"],
      debug: false,
    });
    expect(Object.keys(config(directLabValues()))).toEqual([
      "job_name", "job-name", "partition", "nodes", "ntasks-per-node", "cpus-per-task", "mem", "time", "gpus", "modules", "environment", "debug",
    ]);
  });

  it("writes gpus as null when the lab asks for none", () => {
    const values = proxiedLabValues();
    expect(config({ ...values, slurm: { ...values.slurm, gpus: null } }).gpus).toBeNull();
  });

  it("carries the lab's settings into the job, and no credential: the job script prints every export into its log", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mltf-"));
    const entries = config(directLabValues()).environment as string[];
    // The plugin writes each entry verbatim after `export ` in the job script.
    const variables = jobEnvironment(entries, dir);
    for (const shell of ["PATH", "PWD", "SHLVL", "_"]) delete variables[shell];
    expect(variables).toEqual({
      MLFLOW_TRACKING_URI: "https://mlflow.ocean-lab.example.org",
      MLFLOW_TRACKING_SERVER_CERT_PATH: `${BUNDLE_DIR}/lab-ca.pem`,
      MLFLOW_EXPERIMENT_NAME: expect.any(String) as string,
      MLFLOW_ENABLE_ASYNC_LOGGING: "true",
      MLFLOW_ASYNC_LOGGING_BUFFERING_SECONDS: "2",
      MLFLOW_ASYNC_LOGGING_THREADPOOL_SIZE: "2",
      MLFLOW_S3_ENDPOINT_URL: "https://object-arbutus.example.org",
      AWS_DEFAULT_REGION: "us-east-1",
      MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: "path",
      AWS_PROFILE: "mlflow-ocean-lab",
      OMP_NUM_THREADS: "8",
    });
  });

  it("is mode 0644, and no file of any bundle but the 0600 ones holds a credential", () => {
    for (const values of [directLabValues(), proxiedLabValues()]) {
      const files = renderBundle(values, BUNDLE_DIR);
      expect(file(files, "mltf_config.json").secret).toBe(false);
      const credentials = [values.tracking?.password, values.artifacts.mode === "direct" ? values.artifacts.accessKeyId : undefined, values.artifacts.mode === "direct" ? values.artifacts.secretAccessKey : undefined].filter((value) => value !== undefined);
      expect(credentials.length).toBeGreaterThan(0);
      for (const shared of files.filter((candidate) => !candidate.secret)) {
        for (const credential of credentials) expect(shared.content, `${shared.name} holds a credential`).not.toContain(credential);
      }
      expect(files.filter((candidate) => candidate.secret).map((candidate) => candidate.name).sort()).toEqual(
        values.artifacts.mode === "direct" ? ["aws_credentials", "mlflow_credentials", "mlflow_env.sh"] : ["mlflow_credentials", "mlflow_env.sh"],
      );
    }
  });
});

describe("credential files (read by MLflow and botocore from the home)", () => {
  it("refuse a value the ini format cannot hold, naming the key", () => {
    const values = directLabValues();
    expect(() => renderBundle({ ...values, tracking: { username: "ocean-lab", password: "two\nlines" } }, BUNDLE_DIR)).toThrow(/mlflow_tracking_password cannot be written/);
    expect(() => renderBundle({ ...values, tracking: { username: " padded", password: "x" } }, BUNDLE_DIR)).toThrow(/mlflow_tracking_username cannot be written/);
  });
});

describe("hostile values", () => {
  const hostileLab = fc.record({
    username: hostileString,
    password: hostileString,
    experimentName: hostileString,
    accessKeyId: hostileString,
    secretAccessKey: hostileString,
    extra: hostileString,
    urlPath: fc.constantFrom("/$(touch${IFS}CANARY)", "/`id`", "/a'b", "/%27;x", "/$HOME"),
  });

  it("survive every generated env file and mltf entry exactly, and execute nothing", () => {
    fc.assert(
      fc.property(hostileLab, (raw) => {
        // Credentials also go to ini files, which hold one stripped line per value (refusal tested above).
        const iniSafe = (value: string) => value.replace(/[\r\n\u2028]/g, "x").trim() || "x";
        const hostile = { ...raw, username: iniSafe(raw.username), password: iniSafe(raw.password), accessKeyId: iniSafe(raw.accessKeyId), secretAccessKey: iniSafe(raw.secretAccessKey) };
        const base = directLabValues();
        const values = parseLabValues({
          ...base,
          trackingUri: `https://mlflow.example.org${hostile.urlPath}`,
          tracking: { username: hostile.username, password: hostile.password },
          experimentName: hostile.experimentName,
          artifacts: { ...base.artifacts, accessKeyId: hostile.accessKeyId, secretAccessKey: hostile.secretAccessKey },
          slurm: { ...base.slurm, extraEnvironment: { HOSTILE: hostile.extra } },
        });
        const dir = writeToTemp(renderBundle(values, BUNDLE_DIR));
        const expected = {
          MLFLOW_TRACKING_URI: values.trackingUri,
          MLFLOW_TRACKING_USERNAME: hostile.username,
          MLFLOW_TRACKING_PASSWORD: hostile.password,
          MLFLOW_EXPERIMENT_NAME: hostile.experimentName,
          AWS_ACCESS_KEY_ID: hostile.accessKeyId,
          AWS_SECRET_ACCESS_KEY: hostile.secretAccessKey,
        };
        expect(sourcedEnvironment(path.join(dir, "mlflow_env.sh"), dir)).toMatchObject(expected);
        const entries = (JSON.parse(fs.readFileSync(path.join(dir, "mltf_config.json"), "utf8")) as { environment: string[] }).environment;
        const jobVariables = jobEnvironment(entries, dir);
        expect(jobVariables).toMatchObject({ MLFLOW_TRACKING_URI: values.trackingUri, MLFLOW_EXPERIMENT_NAME: hostile.experimentName, HOSTILE: hostile.extra });
        for (const secret of ["MLFLOW_TRACKING_PASSWORD", "AWS_SECRET_ACCESS_KEY"]) expect(jobVariables[secret]).toBeUndefined();
        expect(fs.existsSync(path.join(dir, "CANARY"))).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});
