import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalLab, LocalLabSummary } from "../../localLab/lab";
import { doctor } from "./doctor";
import { labWithLoggedRun, type LoggedRun, objectsUnder } from "./labHarness";

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
      expect(result.output).toContain("FAIL  credentials: the server refused MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD (HTTP 401)");
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
