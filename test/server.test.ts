import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { renderBootstrapScript, renderCloudInit } from "../templates/server/cloudInit";
import { POSTGRES_SETTINGS } from "../templates/server/database";
import type { ServerLaunchSpec } from "../model/launchSpec";
import { renderServerFiles } from "../templates/server/launch";
import { vmCloudInitSpec, vmLaunchSpec } from "./helpers/serverSpec";

describe("the server launch shared by the VM and the local lab", () => {
  it("cloud-init writes exactly the launch renderer's files, with their modes", () => {
    const spec = vmCloudInitSpec();
    const written = (yaml.load(renderCloudInit(spec).replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string; permissions: string }[] }).write_files;
    for (const file of renderServerFiles(spec.launch)) {
      expect(written.find((entry) => entry.path === file.path), file.path).toMatchObject({ content: file.content, permissions: `0${file.mode.toString(8)}` });
    }
  });

  it("renders the same flags, env and ini for a local layout, only paths and values differing", () => {
    const vm = vmLaunchSpec();
    const local: ServerLaunchSpec = {
      ...vm,
      layout: { configDir: "/repo/.lab/local/server/etc", binDir: "/repo/.lab/local/server/bin", venvDir: "/repo/.venv" },
      port: 41234,
      allowedHosts: ["127.0.0.1:41234", "localhost:41234"],
    };
    const normalise = (text: string) =>
      text
        .replaceAll("/repo/.lab/local/server/etc", vm.layout.configDir)
        .replaceAll("/repo/.lab/local/server/bin", vm.layout.binDir)
        .replaceAll("/repo/.venv", vm.layout.venvDir)
        .replaceAll("127.0.0.1:41234,localhost:41234", vm.allowedHosts.join(","))
        .replaceAll("41234", String(vm.port));
    const vmFiles = renderServerFiles(vm);
    const localFiles = renderServerFiles(local);
    expect(localFiles.map((f) => f.mode)).toEqual(vmFiles.map((f) => f.mode));
    expect(localFiles.map((f) => normalise(f.content))).toEqual(vmFiles.map((f) => f.content));
  });

  it("binds to loopback, turns job execution off and never puts a credential on the command line", () => {
    const [env, , launch] = renderServerFiles(vmLaunchSpec());
    expect(launch.content).toContain("--host '127.0.0.1'");
    expect(env.content).toContain("export MLFLOW_SERVER_ENABLE_JOB_EXECUTION='false'");
    for (const secret of ["dbpassFIXTURE", "adminpassFIXTURE", "s3secretFIXTURE", "flaskFIXTURE"]) expect(launch.content).not.toContain(secret);
  });

  it("configures the VM's Postgres cluster with the shared settings", () => {
    const bootstrap = renderBootstrapScript(vmCloudInitSpec());
    for (const [name, value] of Object.entries(POSTGRES_SETTINGS)) expect(bootstrap).toContain(`pg_conftool "$PG_VERSION" mlflow set ${name} '${value}'`);
  });

  it("refuses an auth ini value configparser would misread", () => {
    expect(() => renderServerFiles({ ...vmLaunchSpec(), admin: { username: "admin", password: "100%" } })).toThrow(/must not contain '%'/);
  });
});
