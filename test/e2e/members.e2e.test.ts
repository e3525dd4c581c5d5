/**
 * A login per member, on a real local lab from stacks/Pulumi.local.yaml (members ada and grace):
 * each logs under their own login through their own bundle, the server records who did what and
 * keeps each member's experiments theirs; the job account edits every experiment; a member
 * removed from the stack is refused at once while the other keeps logging. The Pulumi program's
 * LabMember provider is driven against the same server.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labMemberProvider } from "../../components/labMember";
import { LocalLab, REPO_ROOT } from "../../localLab/lab";
import { pythonInBundleEnv } from "../../localLab/researcherShell";
import { BUNDLE_FILES, memberBundleDir } from "../../model/names";
import { type ApiCall, loginStatuses, SEARCH_EXPERIMENTS } from "../helpers/logins";
import { E2E_DIR, lastJsonLine } from "./labHarness";

const NAME = "e2e-members";
const LESS_STACK = "e2e-members-without-grace";
const lessStackFile = path.join(REPO_ROOT, "stacks", `Pulumi.${LESS_STACK}.yaml`);
let lab: LocalLab;

interface Outcome {
  readonly ok: boolean;
  readonly run_id?: string;
  readonly experiment_id?: string;
  readonly user?: string;
  readonly error_code?: string;
}

/** The run each member logged first (the second test), which the removal test touches. */
let firstRuns: { readonly ada: Outcome; readonly grace: Outcome } | undefined;

/** What a member does with the server: read, read another's run and artifact, write their own. */
function memberCalls(): ApiCall[] {
  if (firstRuns === undefined) throw new Error("the members' first runs were not logged");
  const { ada, grace } = firstRuns;
  return [
    SEARCH_EXPERIMENTS,
    { path: `/api/2.0/mlflow/runs/get?run_id=${ada.run_id}` },
    { path: `/api/2.0/mlflow-artifacts/artifacts/${ada.experiment_id}/${ada.run_id}/artifacts/note.txt` },
    { path: "/api/2.0/mlflow/runs/log-batch", body: { run_id: grace.run_id, metrics: [{ key: "loss", value: 0.25, timestamp: Date.now(), step: 2 }] } },
  ];
}

const bundleOf = (member: string) => memberBundleDir(lab.bundleDir, member);
const act = (bundleDir: string, ...args: string[]) => lastJsonLine<Outcome>(pythonInBundleEnv(bundleDir, `member_actions ${args[0]}`, path.join(E2E_DIR, "member_actions.py"), args));

const statuses = (username: string, password: string, rounds: number, calls?: readonly ApiCall[]) =>
  loginStatuses(lab.trackingUri(), { username, password }, rounds, calls);

async function adminGet(apiPath: string): Promise<unknown> {
  const login = Buffer.from(`admin:${lab.state().secrets.adminPassword}`).toString("base64");
  const reply = await fetch(`${lab.trackingUri()}${apiPath}`, { headers: { Authorization: `Basic ${login}` } });
  expect(reply.status, apiPath).toBe(200);
  return reply.json();
}

const memberPassword = (member: string) => {
  const password = lab.state().secrets.memberPasswords?.[member];
  if (password === undefined) throw new Error(`no password for ${member}`);
  return password;
};

beforeAll(async () => {
  lab = new LocalLab({ name: NAME, log: () => undefined });
  await lab.destroy();
  await lab.up();
}, 600_000);

afterAll(async () => {
  fs.rmSync(lessStackFile, { force: true });
  await lab?.destroy();
}, 180_000);

describe("members of the local lab", () => {
  it("gets a bundle each, holding their own login and no one else's", () => {
    const secrets = { ada: memberPassword("ada"), grace: memberPassword("grace"), job: lab.state().secrets.researcherPassword };
    const textOf = (dir: string) => fs.readdirSync(dir).filter((file) => fs.statSync(path.join(dir, file)).isFile()).map((file) => fs.readFileSync(path.join(dir, file), "utf8")).join("\n");
    const ada = textOf(bundleOf("ada"));
    const grace = textOf(bundleOf("grace"));
    const job = textOf(lab.bundleDir);
    // Booleans, so that a failure cannot print a password.
    expect([ada.includes(secrets.ada), grace.includes(secrets.grace)]).toEqual([true, true]);
    expect([ada.includes(secrets.grace), ada.includes(secrets.job)], "ada's bundle holds another login").toEqual([false, false]);
    expect([grace.includes(secrets.ada), grace.includes(secrets.job)], "grace's bundle holds another login").toEqual([false, false]);
    expect([job.includes(secrets.ada), job.includes(secrets.grace)], "the job account's bundle holds a member's login").toEqual([false, false]);
    // What is not 0600 (mltf_config.json, the Job template, the README...) holds no credential at all.
    for (const dir of [bundleOf("ada"), bundleOf("grace"), lab.bundleDir]) {
      const open = fs.readdirSync(dir).map((file) => path.join(dir, file)).filter((file) => fs.statSync(file).isFile() && (fs.statSync(file).mode & 0o777) !== 0o600);
      expect(open.map((file) => path.basename(file))).toContain(BUNDLE_FILES.mltfConfig);
      for (const file of open) {
        const text = fs.readFileSync(file, "utf8");
        expect(Object.values(secrets).some((secret) => text.includes(secret)), `${file} holds a credential`).toBe(false);
      }
    }
    const credentials = path.join(bundleOf("ada"), BUNDLE_FILES.mlflowCredentials);
    expect(fs.statSync(credentials).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(credentials, "utf8")).toContain("mlflow_tracking_username = ada");
  });

  it("logs each member under their own login; the server records who did what and keeps their experiments theirs", async () => {
    const ada = act(bundleOf("ada"), "log", "ada-experiment");
    const grace = act(bundleOf("grace"), "log", "grace-experiment");
    expect(ada.ok && grace.ok).toBe(true);
    firstRuns = { ada, grace };

    // The run says who logged it: MLflow tags mlflow.user with the login it used.
    expect(act(bundleOf("grace"), "read", ada.run_id as string)).toMatchObject({ ok: true, user: "ada" });
    expect(act(bundleOf("ada"), "read", grace.run_id as string)).toMatchObject({ ok: true, user: "grace" });
    // The server's own record: each creator manages their experiment.
    const permissions = JSON.stringify(await adminGet(`/api/3.0/mlflow/users/permissions/list?username=ada`));
    expect(permissions).toContain(`"resource_pattern":"${ada.experiment_id}"`);
    expect(permissions).toContain('"permission":"MANAGE"');

    // Read everything, edit only your own.
    expect(act(bundleOf("grace"), "log-into", ada.experiment_id as string)).toMatchObject({ ok: false, error_code: "PERMISSION_DENIED" });
    // The job account (Run:ai pods, shared jobs) logs into any member's experiment.
    expect(act(lab.bundleDir, "log-into", ada.experiment_id as string)).toMatchObject({ ok: true });
  }, 300_000);

  it("refuses a member removed from the stack at once, and the other keeps logging", async () => {
    const gracePassword = memberPassword("grace");
    expect(new Set(await statuses("grace", gracePassword, 12, memberCalls()))).toEqual(new Set([200]));

    const stack = yaml.load(fs.readFileSync(path.join(REPO_ROOT, "stacks", "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
    stack.config["mlflow-lab:members"] = ["ada"];
    fs.writeFileSync(lessStackFile, yaml.dump(stack));
    await new LocalLab({ name: NAME, stack: LESS_STACK, log: () => undefined }).up();

    expect(fs.existsSync(bundleOf("grace")), "grace's bundle is gone").toBe(false);
    expect(lab.state().secrets.memberPasswords).not.toHaveProperty("grace");
    // Workers that checked grace's password lately still hold it in MLflow's credential cache
    // (auth_cache_ttl_seconds); the lab's authorization_function refuses her anyway, on reads,
    // artifacts and writes alike, with 401 rather than MLflow's 404 "User not found".
    const atOnce = await statuses("grace", gracePassword, 16, memberCalls());
    expect(new Set(atOnce), `every request of grace's gets 401 at once: ${atOnce.join(" ")}`).toEqual(new Set([401]));
    expect(act(bundleOf("ada"), "log", "ada-experiment")).toMatchObject({ ok: true });
  }, 300_000);

  it("the Pulumi program's LabMember provider creates, re-keys and deletes an account on the real server", async () => {
    const server = { url: lab.trackingUri(), admin: { username: "admin", password: lab.state().secrets.adminPassword } };
    const member = { username: "katherine", password: "first-password-0123456789" };
    const created = await labMemberProvider.create({ server, member });
    expect(created.id).toBe("katherine");
    expect(new Set(await statuses("katherine", member.password, 4))).toEqual(new Set([200]));

    const rekeyed = { username: "katherine", password: "second-password-0123456789" };
    const diff = await labMemberProvider.diff?.("katherine", { server, member }, { server, member: rekeyed });
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    await labMemberProvider.update?.("katherine", { server, member }, { server, member: rekeyed });
    expect(new Set(await statuses("katherine", rekeyed.password, 4))).toEqual(new Set([200]));

    await labMemberProvider.delete?.("katherine", { server, member: rekeyed });
    expect(new Set(await statuses("katherine", rekeyed.password, 8))).toEqual(new Set([401]));
    // Deleting again (an account already gone) is not an error.
    await labMemberProvider.delete?.("katherine", { server, member: rekeyed });
  }, 300_000);
});
