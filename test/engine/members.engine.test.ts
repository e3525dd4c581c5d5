/**
 * The LabMember dynamic resource under the real Pulumi CLI: `pulumi up` of an inline program
 * against a real local lab creates the member's account, a second `up` without the member
 * deletes it, and the stack's state holds the passwords only encrypted. This proves what the
 * mock runtime cannot: that the provider serializes into Pulumi's dynamic-provider process and
 * works there.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as auto from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabMember } from "../../components/labMember";
import { offlineEnvironment, pulumiBinary, REPO_ROOT } from "../../engine/pulumiCli";
import { LocalLab } from "../../localLab/lab";
import { loginStatuses } from "../helpers/logins";

const MEMBER = { username: "hedy", password: "hedy-engine-password-0123456789" };
let lab: LocalLab;
let stack: auto.Stack;
let stateDir: string;

const loginStatus = () => loginStatuses(lab.trackingUri(), MEMBER, 8);

/** The program: hedy's account while `withMember`, none after. */
let withMember = true;
function program(): Promise<void> {
  if (withMember) {
    const server = { url: lab.trackingUri(), admin: { username: "admin", password: lab.state().secrets.adminPassword } };
    new LabMember("engine-lab-member-hedy", { server: pulumi.secret(server), member: pulumi.secret(MEMBER) });
  }
  return Promise.resolve();
}

beforeAll(async () => {
  lab = new LocalLab({ name: "engine-members", log: () => undefined });
  await lab.destroy();
  await lab.up();

  const binary = pulumiBinary();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "mlflow-lab-engine-members-"));
  const project = path.join(root, "project");
  fs.mkdirSync(project);
  // The dynamic-provider host runs the project's own @pulumi/pulumi, as in a real checkout.
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"));
  stateDir = path.join(root, "home", "state");
  fs.mkdirSync(stateDir, { recursive: true });
  const env = { PATH: `${path.dirname(binary)}:${path.dirname(process.execPath)}:/usr/bin:/bin`, ...offlineEnvironment(path.join(root, "home"), "engine-members-passphrase") };
  stack = await auto.LocalWorkspace.createOrSelectStack(
    { stackName: "members", projectName: "mlflow-lab-members", program },
    { workDir: project, envVars: env, pulumiCommand: await auto.PulumiCommand.get({ root: path.dirname(path.dirname(binary)) }), projectSettings: { name: "mlflow-lab-members", runtime: "nodejs" } },
  );
}, 900_000);

afterAll(async () => {
  await stack?.destroy({ color: "never" }).catch(() => undefined);
  await lab?.destroy();
}, 300_000);

describe("LabMember under the real Pulumi CLI", () => {
  it("pulumi up creates the member's account on the real server; the state holds its password only encrypted", async () => {
    withMember = true;
    const result = await stack.up({ color: "never" });
    expect(result.summary.resourceChanges?.create).toBe(2);
    expect(new Set(await loginStatus())).toEqual(new Set([200]));
    // The file backend's own state file (exportStack would decrypt it). Booleans, so a failure
    // cannot print a password.
    const stateFile = path.join(stateDir, ".pulumi", "stacks", "mlflow-lab-members", "members.json");
    const state = fs.readFileSync(stateFile, "utf8");
    expect(state).toContain("pulumi-nodejs:dynamic/mlflow-lab:LabMember");
    expect(state).toContain("ciphertext");
    expect(state.includes(MEMBER.password), "the member's password in clear in the state").toBe(false);
    expect(state.includes(lab.state().secrets.adminPassword), "the admin password in clear in the state").toBe(false);
  }, 600_000);

  it("pulumi up without the member deletes the account: every request of theirs gets 401", async () => {
    withMember = false;
    const result = await stack.up({ color: "never" });
    expect(result.summary.resourceChanges?.delete).toBe(1);
    expect(new Set(await loginStatus())).toEqual(new Set([401]));
  }, 600_000);
});
