/**
 * The real Pulumi CLI (built from the Go module proxy by scripts/engine.sh) against the
 * project: the README's admin steps verbatim, previews of the committed stacks, and every fix
 * hint the program prints, run as printed. No provider plugin for aws or postgresql can exist
 * here and no cloud answers, so a preview may fail only there, and the tests say where.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fixHint } from "../../config/fixHints";
import { REPO_ROOT } from "../../engine/pulumiCli";
import { COMMITTED_FILES, EngineProject } from "../helpers/engineProject";

/** The admin flow of the README: the bash block after the admin-flow marker. */
function readmeAdminFlow(): string[] {
  const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const block = /<!-- admin-flow[^>]*-->\s*```bash\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error("README.md has no admin-flow block");
  return block[1].split("\n").filter((line) => line.trim() !== "");
}

/** Lines of the flow that need what this machine cannot have; each says why. */
const NOT_HERE: [RegExp, string][] = [
  [/^source ~\/openrc\.sh/, "no OpenStack credentials here"],
  [/^npx mlflow-lab plan/, "the offline plan runs in test/plan.test.ts"],
  [/^pulumi preview\b/, "needs the Node.js language host: previewed below through the Automation API"],
  [/^pulumi up\b/, "needs a cloud"],
  [/^pulumi stack output\b/, "needs a deployed stack"],
];

/** What a preview may fail on here: a provider plugin that cannot be built from the registries, or a cloud. */
const PLUGIN_MISSING = /no resource plugin 'pulumi-resource-(\w+)' found/;

function expectNoConfigError(output: string): void {
  expect(output).not.toMatch(/stack config has \d+ problem/);
  expect(output).not.toMatch(/missing configuration value|must be of type|must be encrypted/);
  expect(output).not.toMatch(/Unhandled exception|\n\s+at .+\(.+:\d+:\d+\)/);
}

/** The problem lines of a failed preview: key and fix. */
function problems(output: string): { key: string; line: string; fix: string }[] {
  return [...output.matchAll(/^\s+- mlflow-lab:(\w+): (.*); fix: (.*)$/gm)].map((match) => ({ key: match[1], line: match[2], fix: match[3] }));
}

describe("the real Pulumi CLI", () => {
  let project: EngineProject;

  beforeAll(() => {
    project = new EngineProject();
  }, 1_200_000);

  it("runs the README's admin steps verbatim, and leaves every committed file as it was", async () => {
    const committed = Object.fromEntries(COMMITTED_FILES.map((file) => [file, project.file(file)]));
    const ran: string[] = [];
    for (const line of readmeAdminFlow()) {
      const skipped = NOT_HERE.find(([pattern]) => pattern.test(line));
      if (skipped) continue;
      const result = project.shell(line, "password-typed-at-the-prompt\n");
      expect(result.status, `${line}\n${result.output}`).toBe(0);
      ran.push(line);
    }
    expect(ran.some((line) => line.startsWith("pulumi stack init"))).toBe(true);
    expect(ran.some((line) => line.includes("--path"))).toBe(true);
    expect(ran.some((line) => line.includes("--secret"))).toBe(true);
    expect(project.pulumi(["config", "get", "labCidrs"]).output.trim()).toBe('["203.0.113.0/24","2001:db8:42::/48"]');
    const stackFile = project.file("stacks/Pulumi.ocean-lab.yaml");
    expect(stackFile).toMatch(/databaseAdminPassword:\n\s+secure: /);
    expect(stackFile).not.toContain("password-typed-at-the-prompt");
    for (const [file, text] of Object.entries(committed)) expect(project.file(file), file).toBe(text);

    const preview = await project.preview("ocean-lab");
    expect(preview.ok).toBe(false);
    expectNoConfigError(preview.output);
    expect(preview.output, "the preview reached the provider stage").toMatch(PLUGIN_MISSING);
  }, 300_000);

  it("previews the example stack up to the provider stage, with no config error", async () => {
    expect(project.pulumi(["stack", "init", "example"]).status).toBe(0);
    const preview = await project.preview("example");
    expectNoConfigError(preview.output);
    expect(preview.output).toMatch(PLUGIN_MISSING);
  }, 300_000);

  it("previews the local stack whole: hosting local deploys nothing", async () => {
    expect(project.pulumi(["stack", "init", "local"]).status).toBe(0);
    expect(project.pulumi(["config"]).status).toBe(0);
    const preview = await project.preview("local");
    expect(preview.output).toContain("hosting is local: this stack deploys nothing");
    expect(preview.ok, preview.output).toBe(true);
  }, 300_000);

  it("lists each problem of a bad stack once, with no stack trace, and every fix it prints works as printed", async () => {
    fs.copyFileSync(path.join(project.dir, "stacks", "Pulumi.example.yaml"), path.join(project.dir, "stacks", "Pulumi.broken.yaml"));
    expect(project.pulumi(["stack", "init", "broken"]).status).toBe(0);
    const breakages = [
      "pulumi config set adminCidr 0.0.0.0/0",
      "pulumi config set slurmTime soon",
      "pulumi config rm hostname",
      "pulumi config set databaseAdminPassword in-clear-text",
      "pulumi config set tlsCertificate not-a-certificate",
      "pulumi config set --path 'slurmModules[0]' 'bad module'",
    ];
    for (const line of breakages) expect(project.shell(line).status, line).toBe(0);

    const broken = await project.preview("broken");
    expect(broken.ok).toBe(false);
    expect(broken.output).not.toContain("in-clear-text");
    expect(broken.output).not.toMatch(/Unhandled exception|\n\s+at .+\(.+:\d+:\d+\)/);
    const found = problems(broken.output);
    const keys = found.map((problem) => problem.key);
    expect(new Set(keys)).toEqual(new Set(["adminCidr", "slurmTime", "hostname", "databaseAdminPassword", "tlsCertificate", "slurmModules"]));
    // Each problem once (the key may have two problems, each listed once).
    expect(found.length).toBe(new Set(found.map((problem) => `${problem.key}: ${problem.line}`)).size);

    // Files the hints read from, as an admin would have them.
    fs.writeFileSync(path.join(project.dir, "fullchain.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    fs.writeFileSync(path.join(project.dir, "privkey.pem"), "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
    for (const fix of new Set(found.map((problem) => problem.fix))) {
      const result = project.shell(fix, "a-password-typed-at-the-prompt\n");
      expect(result.status, `${fix}\n${result.output}`).toBe(0);
    }
    const fixed = await project.preview("broken");
    expectNoConfigError(fixed.output);
    expect(fixed.output).toMatch(PLUGIN_MISSING);
  }, 600_000);

  it("a list set as a JSON string is refused by the CLI itself; the fix we print for lists works", async () => {
    fs.copyFileSync(path.join(project.dir, "stacks", "Pulumi.example.yaml"), path.join(project.dir, "stacks", "Pulumi.listy.yaml"));
    expect(project.pulumi(["stack", "init", "listy"]).status).toBe(0);
    expect(project.shell("pulumi config set labCidrs '[\"203.0.113.0/24\"]'").status).toBe(0);
    const refused = await project.preview("listy");
    expect(refused.output).toContain("configuration key 'labCidrs' must be of type 'array<string>'");
    const fix = fixHint("labCidrs");
    expect(project.shell(fix).status, fix).toBe(0);
    const fixed = await project.preview("listy");
    expectNoConfigError(fixed.output);
    expect(fixed.output).toMatch(PLUGIN_MISSING);
  }, 300_000);
});
