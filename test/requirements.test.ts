import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { BOTO3_VERSION, isVersionAtLeast, MLFLOW_MINIMUM_VERSION, MLFLOW_VERSION, PSYCOPG2_VERSION, UVLOOP_VERSION } from "../model/versions";
import { vmUpgradeSite } from "../model/vmSite";

describe("pinned versions", () => {
  const requirements = fs.readFileSync(path.join(__dirname, "..", "requirements.txt"), "utf8");

  it("the local lab installs exactly what the VM installs", () => {
    expect(requirements).toContain(`mlflow[auth]==${MLFLOW_VERSION}\n`);
    expect(requirements).toContain(`psycopg2-binary==${PSYCOPG2_VERSION}\n`);
    expect(requirements).toContain(`boto3==${BOTO3_VERSION}\n`);
    expect(requirements).toContain(`uvloop==${UVLOOP_VERSION}\n`);
    for (const pin of [`psycopg2-binary==${PSYCOPG2_VERSION}`, `boto3==${BOTO3_VERSION}`, `uvloop==${UVLOOP_VERSION}`]) expect(vmUpgradeSite(MLFLOW_VERSION).installVenv).toContain(pin);
  });

  it("pins MLflow at or above the version without public CVEs", () => {
    expect(isVersionAtLeast(MLFLOW_VERSION, MLFLOW_MINIMUM_VERSION)).toBe(true);
    expect(isVersionAtLeast("3.10.9", MLFLOW_MINIMUM_VERSION)).toBe(false);
    expect(isVersionAtLeast("3.11", MLFLOW_MINIMUM_VERSION)).toBe(true);
    expect(isVersionAtLeast("3.11.0rc1", MLFLOW_MINIMUM_VERSION)).toBe(false);
  });
});
