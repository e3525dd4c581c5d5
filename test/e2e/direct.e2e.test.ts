import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalLab, LocalLabSummary } from "../../localLab/lab";
import { doctor } from "./doctor";
import { E2E_DIR, labWithLoggedRun, lastJsonLine, type LoggedRun, objectsUnder, PYTHON } from "./labHarness";

let lab: LocalLab;
let summary: LocalLabSummary;
let logged: LoggedRun;

describe("local lab, direct artifacts: the client writes to the bucket itself", () => {
  beforeAll(async () => {
    ({ lab, summary, logged } = await labWithLoggedRun("e2e-direct", "direct"));
  }, 600_000);

  afterAll(async () => {
    await lab?.down();
  }, 120_000);

  it("hands researchers the S3 endpoint, keys and path addressing", () => {
    const env = fs.readFileSync(path.join(summary.bundleDir, "mlflow_env.sh"), "utf8");
    for (const name of ["MLFLOW_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"]) expect(env).toContain(`export ${name}=`);
    expect(env).toContain("export MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE='path'");
    expect(fs.statSync(path.join(summary.bundleDir, "mlflow_env.sh")).mode & 0o777).toBe(0o600);
  });

  it("records an s3:// artifact location and the object lands there, byte for byte", () => {
    expect(logged.artifact_uri).toBe(`s3://mlflow-e2e-direct/artifacts/${logged.experiment_id}/${logged.run_id}/artifacts`);
    expect(objectsUnder(lab, "mlflow-e2e-direct", `artifacts/${logged.experiment_id}/${logged.run_id}/`)).toEqual({ [`artifacts/${logged.experiment_id}/${logged.run_id}/artifacts/weights.bin`]: { size: logged.size, sha256: logged.sha256 } });
  });

  it("a Slurm job built from mltf_config.json, as the plugin writes it (set -x), logs with the credentials installed in the home, and its log shows none", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-home-"));
    const install = spawnSync("bash", [path.join(summary.bundleDir, "install_credentials.sh")], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: home } });
    expect(install.status).toBe(0);
    const config = path.join(summary.bundleDir, "mltf_config.json");
    expect(fs.statSync(config).mode & 0o777).toBe(0o644);
    const entries = (JSON.parse(fs.readFileSync(config, "utf8")) as { environment: string[] }).environment;
    const jobScript = ["set -x", ...entries.map((entry) => `export ${entry}`), `${PYTHON} ${path.join(E2E_DIR, "log_run.py")}`].join("\n");
    const job = spawnSync("bash", ["-c", jobScript], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: home } });
    const jobLog = job.stdout + job.stderr;
    expect(job.status, jobLog).toBe(0);
    const run = lastJsonLine<LoggedRun>(job.stdout);
    expect(objectsUnder(lab, "mlflow-e2e-direct", `artifacts/${run.experiment_id}/${run.run_id}/`)).toEqual({ [`artifacts/${run.experiment_id}/${run.run_id}/artifacts/weights.bin`]: { size: run.size, sha256: run.sha256 } });
    const { researcherPassword, s3SecretKey, s3AccessKey } = lab.state().secrets;
    expect(jobLog).toContain("+ export MLFLOW_TRACKING_URI=");
    for (const secret of [researcherPassword, s3SecretKey, s3AccessKey]) expect(jobLog).not.toContain(secret);

    // doctor, in the job's environment and home, finds the credentials where the job does.
    const jobEnv = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "job-env-")), "job_env.sh");
    fs.writeFileSync(jobEnv, entries.map((entry) => `export ${entry}\n`).join(""));
    const checked = doctor(jobEnv, [], home);
    expect(checked.output).toContain("ok    credentials: accepted for user ");
    expect(checked.output).toContain(`from ${home}/.mlflow/credentials`);
    expect(checked.output).toContain("ok    credential files: private (0600)");
    expect(checked.output).toContain("ok    bucket: put, get and delete in s3://mlflow-e2e-direct");
    expect(checked.status).toBe(0);
  }, 180_000);

  describe("mlflow-lab doctor", () => {
    const envFile = () => path.join(summary.bundleDir, "mlflow_env.sh");
    const secrets = () => [lab.state().secrets.researcherPassword, lab.state().secrets.s3SecretKey, lab.state().secrets.s3AccessKey];

    it("passes every check on the lab's bundle, bucket included, printing no secret", () => {
      const result = doctor(envFile());
      expect(result.output).toContain("ok    bucket: put, get and delete in s3://mlflow-e2e-direct");
      expect(result.output).toContain("ok    run: created, logged to and deleted a run");
      expect(result.output).not.toContain("FAIL");
      expect(result.status).toBe(0);
      for (const secret of secrets()) expect(result.output).not.toContain(secret);
    });

    it("names a wrong password", () => {
      const result = doctor(envFile(), ["export MLFLOW_TRACKING_PASSWORD='wrong-password'"]);
      expect(result.status).toBe(1);
      expect(result.output).toContain("FAIL  credentials: the server refused the credentials from the environment (HTTP 401)");
      expect(result.output).not.toContain("wrong-password");
    });

    it("names a wrong S3 key", () => {
      const result = doctor(envFile(), ["export AWS_SECRET_ACCESS_KEY='wrong-secret-key'"]);
      expect(result.status).toBe(1);
      expect(result.output).toMatch(/FAIL {2}bucket: the S3 endpoint refused AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY \((SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied)\)/);
    });

    it("names a wrong host", () => {
      const result = doctor(envFile(), ["export MLFLOW_TRACKING_URI='http://mlflow-lab-doctor.invalid:5000'"]);
      expect(result.status).toBe(1);
      expect(result.output).toContain("FAIL  server: cannot resolve host mlflow-lab-doctor.invalid");
    });

    it("names a bad CA path", () => {
      const result = doctor(envFile(), ["export MLFLOW_TRACKING_SERVER_CERT_PATH='/nonexistent/lab-ca.pem'"]);
      expect(result.status).toBe(1);
      expect(result.output).toContain("FAIL  environment: MLFLOW_TRACKING_SERVER_CERT_PATH points to /nonexistent/lab-ca.pem, which is not a file");
    });

    it("names both TLS settings at once, which MLflow refuses", () => {
      const result = doctor(envFile(), ["export MLFLOW_TRACKING_SERVER_CERT_PATH=/etc/hostname", "export MLFLOW_TRACKING_INSECURE_TLS=true"]);
      expect(result.output).toContain("FAIL  environment: MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH are both set");
    });

    it("names a stopped server (runs last: it stops the lab)", async () => {
      await lab.down();
      const result = doctor(envFile());
      expect(result.status).toBe(1);
      expect(result.output).toMatch(/FAIL {2}server: nothing answers at 127\.0\.0\.1:\d+/);
      expect(result.output).toContain("skip  credentials: needs a reachable server");
    }, 60_000);
  });
});
