/**
 * The bundle's credential files as their real readers read them: install_credentials.sh run by
 * bash into a scratch home, then MLflow's own credentials reader and a boto3 session with the
 * lab's profile, in the project's venv.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { writeBundle } from "../io/bundleWriter";
import { renderBundle } from "../templates/researcher/bundle";
import { PYTHON } from "./e2e/labHarness";
import { directLabValues } from "./helpers/fixtures";

const READ_BACK = `
import json, boto3
from mlflow.utils.credentials import read_mlflow_creds
creds = read_mlflow_creds()
keys = boto3.Session().get_credentials()
print(json.dumps({"username": creds.username, "password": creds.password, "access": keys.access_key, "secret": keys.secret_key}))
`;

function install(bundle: string, home: string) {
  return spawnSync("bash", [path.join(bundle, "install_credentials.sh")], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: home } });
}

describe("install_credentials.sh", () => {
  // Characters ini files, bash and configparser's interpolation treat specially.
  const tracking = { username: "ocean-lab", password: `p%w;d#=x'"$HOME\\é%(x)s` };
  const values = { ...directLabValues(), tracking, artifacts: { ...directLabValues().artifacts, accessKeyId: "AKIA%;#", secretAccessKey: `s'e"c$r\\et=%` } } as ReturnType<typeof directLabValues>;

  it("installs what MLflow and boto3 then read back exactly, mode 0600, keeping the home's other profiles", () => {
    const bundle = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-"));
    writeBundle(renderBundle(values, bundle), bundle);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "home-"));
    fs.mkdirSync(path.join(home, ".aws"));
    fs.writeFileSync(path.join(home, ".aws", "credentials"), "[default]\naws_access_key_id = mine\naws_secret_access_key = mine-too\n", { mode: 0o644 });

    const first = install(bundle, home);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("installed [mlflow]");
    for (const secret of [tracking.password, values.artifacts.mode === "direct" ? values.artifacts.secretAccessKey : ""]) expect(first.stdout).not.toContain(secret);
    // Twice: the lab's sections are replaced, not repeated.
    expect(install(bundle, home).status).toBe(0);

    for (const file of [".mlflow/credentials", ".aws/credentials"]) expect(fs.statSync(path.join(home, file)).mode & 0o777).toBe(0o600);
    for (const dir of [".mlflow", ".aws"]) expect(fs.statSync(path.join(home, dir)).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(path.join(home, ".aws", "credentials"), "utf8")).toContain("aws_access_key_id = mine");

    const read = spawnSync(PYTHON, ["-c", READ_BACK], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: home, AWS_PROFILE: "mlflow-ocean-lab" } });
    expect(read.stderr).toBe("");
    expect(JSON.parse(read.stdout)).toEqual({
      username: tracking.username,
      password: tracking.password,
      access: values.artifacts.mode === "direct" ? values.artifacts.accessKeyId : "",
      secret: values.artifacts.mode === "direct" ? values.artifacts.secretAccessKey : "",
    });
  });
});
