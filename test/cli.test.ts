import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { directLabValues, proxiedLabValues } from "./helpers/fixtures";

const ROOT = path.join(__dirname, "..");
const CLI = path.join(ROOT, "cli", "mlflow-lab.js");
const CREDENTIALS = ["fixture-password-not-real", "fixture-access-key", "fixture-secret-key"];

function cli(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, input, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempFile(content: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "values-")), "values.json");
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe("mlflow-lab sync", () => {
  it("names the missing env file and the fix, and imports nothing", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-bundle-"));
    const result = cli(["sync", "--bundle", empty]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`no mlflow_env.sh in ${empty}; pass --bundle with your lab bundle`);
    expect(result.stderr).not.toContain("    at ");
  });
});

describe("mlflow-lab render", () => {
  it("writes the bundle, secret files 0600 and the rest 0644, printing no credential", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "out-")), "bundle");
    const result = cli(["render", "--values", tempFile(directLabValues()), "--out", out]);
    expect(result.status).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual([
      "README.md", "aws_credentials", "install_credentials.sh", "kubernetes_config.json", "kubernetes_job_template.yaml", "lab-ca.pem", "mlflow_credentials",
      "mlflow_env.offline.sh", "mlflow_env.sh", "mltf_config.json",
    ]);
    for (const secretFile of ["mlflow_env.sh", "mlflow_credentials", "aws_credentials"]) expect(mode(path.join(out, secretFile))).toBe(0o600);
    expect(mode(path.join(out, "mltf_config.json"))).toBe(0o644);
    expect(mode(path.join(out, "kubernetes_job_template.yaml"))).toBe(0o644);
    expect(mode(out)).toBe(0o700);
    for (const secret of CREDENTIALS) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it("reads the whole stack output from standard input", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "out-"));
    const stackOutput = JSON.stringify({ trackingUrl: "https://x", labValues: proxiedLabValues() });
    const result = cli(["render", "--values", "-", "--out", out], stackOutput);
    expect(result.status).toBe(0);
    const config = JSON.parse(fs.readFileSync(path.join(out, "kubernetes_config.json"), "utf8")) as Record<string, string>;
    expect(config["kube-job-template-path"]).toBe(path.join(out, "kubernetes_job_template.yaml"));
  });

  it("tightens the mode of a secret file that already existed world-readable", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "out-"));
    fs.writeFileSync(path.join(out, "mlflow_env.sh"), "old", { mode: 0o644 });
    expect(cli(["render", "--values", tempFile(proxiedLabValues()), "--out", out]).status).toBe(0);
    expect(mode(path.join(out, "mlflow_env.sh"))).toBe(0o600);
  });

  it("on invalid values names every bad field, exits non-zero and writes nothing", () => {
    const values: any = directLabValues();
    values.slurm.time = "5 minutes";
    values.runai.gpus = 1.5;
    values.tracking.password = "";
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "out-")), "bundle");
    const result = cli(["render", "--values", tempFile(values), "--out", out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("slurm.time: must be a Slurm time");
    expect(result.stderr).toContain("runai.gpus: must be a whole number, or a fraction below 1");
    expect(result.stderr).toContain("tracking.password: must not be empty");
    expect(result.stderr).toContain("Nothing was written.");
    expect(fs.existsSync(out)).toBe(false);
    for (const secret of CREDENTIALS) expect(result.stderr).not.toContain(secret);
  });

  it("--member writes that member's bundle with their login only; the default bundle holds no member's", () => {
    const members = [{ username: "ada", password: "ada-password-not-real" }, { username: "grace", password: "grace-password-not-real" }];
    const source = tempFile({ ...proxiedLabValues(), members });
    const textOf = (dir: string) => fs.readdirSync(dir).map((file) => fs.readFileSync(path.join(dir, file), "utf8")).join("\n");

    const adaOut = fs.mkdtempSync(path.join(os.tmpdir(), "out-"));
    const ada = cli(["render", "--values", source, "--out", adaOut, "--member", "ada"]);
    expect(ada.status).toBe(0);
    expect(fs.readFileSync(path.join(adaOut, "mlflow_credentials"), "utf8")).toContain("mlflow_tracking_username = ada");
    expect(["ada", "grace", "fixture"].map((who) => textOf(adaOut).includes(`${who}-password-not-real`))).toEqual([true, false, false]);

    const jobOut = fs.mkdtempSync(path.join(os.tmpdir(), "out-"));
    expect(cli(["render", "--values", source, "--out", jobOut]).status).toBe(0);
    expect(members.map((member) => textOf(jobOut).includes(member.password))).toEqual([false, false]);

    const unknownOut = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "out-")), "bundle");
    const unknown = cli(["render", "--values", source, "--out", unknownOut, "--member", "alan"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("--member: alan is not a member of lab ocean-lab (members: ada, grace)");
    expect(fs.existsSync(unknownOut)).toBe(false);
    for (const member of members) expect(ada.stdout + ada.stderr + unknown.stderr).not.toContain(member.password);
  });

  it("explains a file that is not JSON, and a missing argument", () => {
    const notJson = cli(["render", "--values", tempFile("{not json"), "--out", "/tmp/never"]);
    expect(notJson.status).toBe(2);
    expect(notJson.stderr).toMatch(/values\.json(:\d+)?: not JSON/);
    const missing = cli(["render", "--out", "/tmp/never"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/render needs --values/);
    expect(fs.existsSync("/tmp/never")).toBe(false);
  });
});
