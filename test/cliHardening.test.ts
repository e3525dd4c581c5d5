/**
 * The CLI on hostile input: broken files give one line naming the file (and line) and what to
 * do, never a stack trace; stack files are read as Pulumi reads them; canary credentials fed
 * through every error path never appear in any output.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { directLabValues } from "./helpers/fixtures";

const ROOT = path.join(__dirname, "..");
const CLI = path.join(ROOT, "cli", "mlflow-lab.js");
const CANARY = "CANARY-9f3a-never-print-me";
const EXAMPLE = fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.example.yaml"), "utf8");

function cli(args: string[], options: { stacks?: string; input?: string } = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    input: options.input,
    encoding: "utf8",
    env: { ...process.env, ...(options.stacks ? { MLFLOW_LAB_STACKS_DIR: options.stacks } : {}) },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stderr: result.stderr };
}

function stacksWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), text);
  return dir;
}

function expectNoTrace(output: string): void {
  expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(output).not.toMatch(/YAMLException|SyntaxError|TypeError|internal error/);
}

/** The example stack with lines replaced: [old line, new line]. */
function exampleWith(...edits: [string, string][]): string {
  let text = EXAMPLE;
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`the example stack has no line ${from}`);
    text = text.replace(from, to);
  }
  return text;
}

describe("broken files, every command", () => {
  const brokenYaml: Record<string, [string, RegExp]> = {
    duplicated: [exampleWith(["  mlflow-lab:slurmMem: 32G", "  mlflow-lab:slurmMem: 32G\n  mlflow-lab:slurmMem: 64G"]), /Pulumi\.duplicated\.yaml:\d+: duplicated mapping key/],
    indented: ["config:\n  mlflow-lab:lab: ocean\n    mlflow-lab:hostname: x\n", /Pulumi\.indented\.yaml:\d+: /],
    tabbed: ["config:\n\tmlflow-lab:lab: ocean\n", /Pulumi\.tabbed\.yaml:\d+: /],
    unclosed: ['config:\n  mlflow-lab:lab: "ocean\n', /Pulumi\.unclosed\.yaml:\d+: /],
    list: ["- a\n- b\n", /must be a YAML map/],
    scalar: ["config: just text\n", /config: must be a map/],
  };

  it.each(Object.entries(brokenYaml))("plan on a %s stack file: one line with file, line and what to do", (name, [text, expected]) => {
    const result = cli(["plan", "--stack", name], { stacks: stacksWith({ [name]: text }) });
    expect(result.status).toBe(2);
    expect(result.stderr.split("\n")[0]).toMatch(expected);
    expectNoTrace(result.output);
  });

  const brokenJson: Record<string, [string, RegExp]> = {
    truncated: ['{"lab": "ocean",\n  "trackingUri": ', /values\.json:\d+: not JSON/],
    garbage: ["\u0000\u0001binary", /values\.json(:\d+)?: not JSON/],
    empty: ["", /values\.json(:\d+)?: not JSON/],
    array: ["[1, 2]", /labValues has \d+ problem/],
    nulls: ["null", /labValues has \d+ problem/],
  };

  it.each(Object.entries(brokenJson))("render of a %s values file: one line, no trace, nothing written", (_name, [text, expected]) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "values-"));
    fs.writeFileSync(path.join(dir, "values.json"), text);
    const out = path.join(dir, "bundle");
    const result = cli(["render", "--values", path.join(dir, "values.json"), "--out", out]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(expected);
    expectNoTrace(result.output);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("a directory where a file belongs, and a missing file", () => {
    for (const target of [os.tmpdir(), path.join(os.tmpdir(), "no-such-values.json")]) {
      const result = cli(["render", "--values", target, "--out", path.join(os.tmpdir(), "never-written")]);
      expect(result.status).toBe(2);
      expectNoTrace(result.output);
    }
    expectNoTrace(cli(["doctor", "--env", "/no/such/env.sh"]).output);
  }, 90_000);
});

describe("stack files read as Pulumi reads them", () => {
  it("an empty hostname or a map for serverImage is refused, not turned into text", () => {
    const text = exampleWith(["  mlflow-lab:hostname: mlflow.ocean-lab.example.org", "  mlflow-lab:hostname:"], ["  mlflow-lab:serverImage: Debian-12-Bookworm-x64-2024-06", "  mlflow-lab:serverImage:\n    name: debian"]);
    const result = cli(["plan", "--stack", "typed"], { stacks: stacksWith({ typed: text }) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("mlflow-lab:hostname: is empty in the stack file (null)");
    expect(result.stderr).toContain("mlflow-lab:serverImage: must be a single value, not a map");
    expect(result.output).not.toMatch(/"null"|\{"name"/);
  });

  it("a key without a namespace is the project's own; a namespace like ours is reported", () => {
    const text = exampleWith(["  mlflow-lab:slurmTime: \"02:00:00\"", "  slurmTime: soon"], ["  mlflow-lab:slurmMem: 32G", "  mlflow_lab:slurmMem: 32G"]);
    const result = cli(["plan", "--stack", "spaces"], { stacks: stacksWith({ spaces: text }) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("mlflow-lab:slurmTime: must be a Slurm time");
    expect(result.stderr).toContain('mlflow_lab:slurmMem: namespace "mlflow_lab" is not mlflow-lab');
  });

  it("every phase at once: the file's problems and the keys' together", () => {
    const text = exampleWith(["  mlflow-lab:hostname: mlflow.ocean-lab.example.org", "  mlflow-lab:hostname:"], ["  mlflow-lab:slurmTime: \"02:00:00\"", "  mlflow-lab:slurmTime: soon"], ["  mlflow-lab:tlsMode: lab-ca", "  mlflow-lab:tlsMode: institution"]);
    const result = cli(["plan", "--stack", "phases"], { stacks: stacksWith({ phases: text }) });
    for (const key of ["hostname", "slurmTime", "tlsCertificate", "tlsPrivateKey"]) expect(result.stderr).toContain(`mlflow-lab:${key}:`);
  });

  it("a secure: value on a non-secret key is never quoted back as [secret]", () => {
    const text = exampleWith(["  mlflow-lab:hostname: mlflow.ocean-lab.example.org", "  mlflow-lab:hostname:\n    secure: v1:abcd:efgh"]);
    const result = cli(["plan", "--stack", "encrypted"], { stacks: stacksWith({ encrypted: text }) });
    expect(result.output).not.toContain('given "[secret]"');
    expect(result.status).toBe(0);
  });
});

describe("canary credentials through every error path", () => {
  const cases: Record<string, string> = {
    clearPassword: exampleWith(["  mlflow-lab:databaseMode: vm", `  mlflow-lab:databaseMode: existing\n  mlflow-lab:databaseHost: pg.example.org\n  mlflow-lab:databaseAdminUsername: postgres\n  mlflow-lab:databaseAdminPassword: ${CANARY}`]),
    clearKey: exampleWith(["  mlflow-lab:tlsMode: lab-ca", `  mlflow-lab:tlsMode: institution\n  mlflow-lab:tlsCertificate: x\n  mlflow-lab:tlsPrivateKey: ${CANARY}`]),
    urlCredentials: exampleWith(["  mlflow-lab:s3EndpointUrl: https://object-arbutus.cloud.computecanada.ca", `  mlflow-lab:s3EndpointUrl: https://AKIA:${CANARY}@object.example.org`]),
    slurmSecrets: exampleWith(["    - OMP_NUM_THREADS=8", `    - OMP_NUM_THREADS=8\n    - AWS_SECRET_ACCESS_KEY=${CANARY}\n    - 'bad entry ${CANARY}'`]),
    nullSecret: exampleWith(["  mlflow-lab:databaseMode: vm", `  mlflow-lab:databaseMode: vm\n  mlflow-lab:acmeDnsCredentials:\n    - ${CANARY}`]),
    wrongNamespace: exampleWith(["  mlflow-lab:lab: ocean-lab", `  mlflow-lab:lab: ocean-lab\n  mlfow-lab:databaseAdminPassword: ${CANARY}`]),
  };

  it.each(Object.keys(cases))("plan (text and --json): %s", (name) => {
    const stacks = stacksWith({ [name]: cases[name] });
    for (const json of [[], ["--json"]]) {
      const result = cli(["plan", "--stack", name, ...json], { stacks });
      expect(result.status).not.toBe(0);
      expect(result.output).not.toContain(CANARY);
      expectNoTrace(result.output);
    }
  });

  it("render: credentials in every field that holds one, beside invalid fields", () => {
    const values = directLabValues() as unknown as Record<string, any>;
    values.tracking.password = CANARY;
    values.trackingUri = `https://user:${CANARY}@mlflow.example.org`;
    values.artifacts.secretAccessKey = `${CANARY}\u0000`;
    values.slurm.extraEnvironment = { MLFLOW_TRACKING_PASSWORD: CANARY };
    values.slurm.time = "soon";
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "values-"));
    fs.writeFileSync(path.join(dir, "values.json"), JSON.stringify(values));
    const result = cli(["render", "--values", path.join(dir, "values.json"), "--out", path.join(dir, "bundle")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("slurm.time");
    expect(result.output).not.toContain(CANARY);
  });
});
