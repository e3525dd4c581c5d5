import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as openstack from "@pulumi/openstack";
import { evaluateProgram } from "../engine/mockRuntime";
import { formatPlan, MASKED, maskValue, planStack, UNKNOWN_TEXT } from "../engine/plan";
import { checkPolicies, formatPolicyReport, hasMandatoryViolation } from "../engine/policyCheck";

const ROOT = path.join(__dirname, "..");
const CLI = path.join(ROOT, "cli", "mlflow-lab.js");

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("mlflow-lab plan", () => {
  it("--json lists every resource of the example stack with type, name, parent and inputs", () => {
    const result = cli(["plan", "--stack", "example", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const plan = JSON.parse(result.stdout) as { resources: { type: string; name: string; parent: string | null; action: string; inputs: Record<string, unknown> }[]; outputs: Record<string, unknown> };
    expect(plan.resources).toHaveLength(43);
    const vm = plan.resources.find((r) => r.name === "ocean-lab-server-vm");
    expect(vm).toMatchObject({ type: "openstack:compute/instance:Instance", parent: "ocean-lab-server", action: "create" });
    expect(vm?.inputs.userData).toBe(UNKNOWN_TEXT);
    expect(plan.resources.find((r) => r.name === "ocean-lab-runai-namespace")?.action).toBe("read");
    expect(plan.outputs).toEqual({
      labValues: MASKED,
      trackingUrl: "https://mlflow.ocean-lab.example.org",
      floatingIp: UNKNOWN_TEXT,
      bucket: "mlflow-ocean-lab",
      namespace: "runai-ocean",
    });
  });

  it("masks every credential even when computed values are known", async () => {
    const plan = await planStack("example", "fake");
    const text = JSON.stringify(plan);
    // The stand-ins the mock runtime gives passwords, EC2 keys and private keys.
    expect(text).not.toMatch(/fake[a-z]*password|fakeoceanlabflasksecretkey|fake-access-|fake-secret-|PRIVATE KEY/);
    const vm = plan.resources.find((r) => r.name === "ocean-lab-server-vm");
    expect((vm?.inputs as Record<string, unknown>).userData).toBe(MASKED);
    expect(text).toContain("fake-ocean-lab-ca-ca"); // the CA certificate is public and shown
  });

  it("on bad config exits 1, names every bad key and plans no resource", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-"));
    const example = fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.example.yaml"), "utf8");
    fs.writeFileSync(
      path.join(dir, "Pulumi.broken.yaml"),
      example.replace("mlflow-lab:slurmTime: \"02:00:00\"", "mlflow-lab:slurmTime: soon").replace("mlflow-lab:adminCidr: 198.51.100.7/32", "mlflow-lab:adminCidr: anywhere"),
    );
    const result = cli(["plan", "--stack", "broken", "--json"], { MLFLOW_LAB_STACKS_DIR: dir });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("mlflow-lab:slurmTime: must be a Slurm time");
    expect(result.stderr).toContain("mlflow-lab:adminCidr: must be a CIDR");
    expect(result.stderr).toContain("No resource would be created.");
  });

  it("explains a stack that does not exist", () => {
    const result = cli(["plan", "--stack", "nowhere"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/no stack file stacks\/Pulumi.nowhere.yaml/);
  });
});

describe("maskValue", () => {
  it("masks secrets and marks unknowns at any depth", () => {
    const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "pw" };
    expect(maskValue({ a: [secret, { b: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }], c: 1 })).toEqual({ a: [MASKED, { b: UNKNOWN_TEXT }], c: 1 });
  });
});

describe("mlflow-lab plan runs the policy pack", () => {
  it("prints the example stack's verdict as pulumi preview --policy-pack would", async () => {
    const plan = await planStack("example");
    expect(plan.policy.rulesRun).toBe(9);
    expect(hasMandatoryViolation(plan.policy)).toBe(false);
    expect(formatPlan(plan)).toMatch(/Policy Violations:|Policies: all 9 rules/);
  });

  it("reports a mandatory violation with its rule, resource and message, which fails the plan", async () => {
    const evaluation = await evaluateProgram({
      stack: "policy",
      config: {},
      computed: "preview",
      program: () => {
        new openstack.networking.SecGroupRule("world-ssh", { securityGroupId: "sg", direction: "ingress", ethertype: "IPv4", protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0" });
        return {};
      },
    });
    const report = checkPolicies(evaluation.resources.map((resource) => ({ type: resource.type, name: resource.name, props: resource.inputs })));
    expect(hasMandatoryViolation(report)).toBe(true);
    expect(formatPolicyReport(report)).toContain(
      "    [mandatory]  mlflow-lab  no-world-ingress-except-https (openstack:networking/secGroupRule:SecGroupRule: world-ssh)\n    Security groups open nothing but 443 to 0.0.0.0/0 or ::/0.\n    world-ssh: ingress from 0.0.0.0/0 on ports 22-22; only 443 may be open to the world.",
    );
  });
});
