/**
 * A temporary copy of the project for the real Pulumi CLI: Pulumi.yaml, index.ts and the
 * committed stack files, a home of its own (file backend, passphrase, no network), and two ways
 * in: the CLI itself, and `pulumi preview` through the Automation API with labStack as the
 * inline program (the CLI needs no Node.js language host then).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as auto from "@pulumi/pulumi/automation";
import { offlineEnvironment, pulumiBinary, REPO_ROOT } from "../../engine/pulumiCli";
import { labStack } from "../../stack";

export const COMMITTED_FILES = ["Pulumi.yaml", "index.ts", "stacks/Pulumi.example.yaml", "stacks/Pulumi.local.yaml"];

export interface Ran {
  readonly status: number | null;
  readonly output: string;
}

export class EngineProject {
  readonly dir: string;
  readonly env: Record<string, string>;
  private readonly binary: string;

  constructor() {
    this.binary = pulumiBinary();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mlflow-lab-engine-"));
    this.dir = path.join(root, "project");
    for (const file of COMMITTED_FILES) {
      fs.mkdirSync(path.dirname(path.join(this.dir, file)), { recursive: true });
      fs.copyFileSync(path.join(REPO_ROOT, file), path.join(this.dir, file));
    }
    const home = path.join(root, "home");
    fs.mkdirSync(path.join(home, "state"), { recursive: true });
    this.env = { PATH: `${path.dirname(this.binary)}:/usr/bin:/bin`, ...offlineEnvironment(home, "engine-test-passphrase") };
  }

  /** Runs a shell line in the project, as an admin would type it; stdin feeds a prompt. */
  shell(line: string, input = ""): Ran {
    const result = spawnSync("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", line], { cwd: this.dir, env: this.env, input, encoding: "utf8" });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  pulumi(args: readonly string[], input = ""): Ran {
    const result = spawnSync(this.binary, [...args], { cwd: this.dir, env: this.env, input, encoding: "utf8" });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  file(name: string): string {
    return fs.readFileSync(path.join(this.dir, name), "utf8");
  }

  /** `pulumi preview` of a stack with labStack as the program; never throws, returns what the engine printed. */
  async preview(stack: string): Promise<{ ok: boolean; output: string }> {
    let output = "";
    const workspace = await auto.LocalWorkspace.create({
      workDir: this.dir,
      program: () => Promise.resolve(labStack()),
      envVars: this.env,
      pulumiCommand: await auto.PulumiCommand.get({ root: path.dirname(path.dirname(this.binary)) }),
    });
    try {
      const selected = await auto.Stack.select(stack, workspace);
      await selected.preview({ onOutput: (text) => (output += text), color: "never" });
      return { ok: true, output };
    } catch (error) {
      // The error repeats what the engine printed; keep it only when nothing was printed (a CLI refusal).
      return { ok: false, output: output.trim() !== "" ? output : (error as Error).message };
    }
  }
}
