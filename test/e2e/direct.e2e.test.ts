import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalLab, LocalLabSummary } from "../../scripts/localLab";
import { E2E_DIR, lastJsonLine, PYTHON, pythonWithBundleEnv, quietLab, runOrThrow } from "./labHarness";

let lab: LocalLab;
let summary: LocalLabSummary;
let logged: { run_id: string; experiment_id: string; artifact_uri: string; sha256: string; size: number };

describe("local lab, direct artifacts: the client writes to the bucket itself", () => {
  beforeAll(async () => {
    lab = quietLab("e2e-direct", "direct");
    summary = await lab.up();
    logged = lastJsonLine(pythonWithBundleEnv(summary.bundleDir, "log_run.py"));
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
    const found = lastJsonLine<Record<string, { size: number; sha256: string }>>(
      runOrThrow(PYTHON, [path.join(E2E_DIR, "find_object.py"), "mlflow-e2e-direct", `artifacts/${logged.experiment_id}/${logged.run_id}/`], {
        ...lab.s3Environment(lab.state()),
        PATH: process.env.PATH ?? "",
      }),
    );
    expect(found).toEqual({ [`artifacts/${logged.experiment_id}/${logged.run_id}/artifacts/weights.bin`]: { size: logged.size, sha256: logged.sha256 } });
  });
});
