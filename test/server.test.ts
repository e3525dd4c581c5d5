import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { renderBootstrapScript } from "../templates/server/bootstrap";
import { renderCloudInit } from "../templates/server/cloudInit";
import { POSTGRES_SETTINGS } from "../templates/server/database";
import { spawnSync } from "node:child_process";
import { isDeepStrictEqual } from "node:util";
import { buildLabConfig } from "../config/schema";
import { launchSpecFor, SERVER_DEFAULTS, type ServerLaunchSpec, VM_LAYOUT } from "../model/launchSpec";
import { localLaunchSpec } from "../localLab/mlflowServer";
import { labPaths, type LabState, PYTHON } from "../localLab/state";
import { minimalRawConfig } from "./helpers/labConfig";
import { renderServerFiles } from "../templates/server/launch";
import { vmCloudInitSpec, vmLaunchSpec } from "./helpers/serverSpec";
import { vmBackupSite, vmUpgradeSite } from "../model/vmSite";
import { renderBackupFiles } from "../templates/server/backup";

const ANYIO_THREAD_LIMIT = `
import anyio, anyio.to_thread
async def limit():
    return anyio.to_thread.current_default_thread_limiter().total_tokens
print(anyio.run(limit))
`;

describe("the server launch shared by the VM and the local lab", () => {
  it("the first full backup, which bootstrap takes before MLflow's venv exists, needs nothing from the venv", () => {
    // The VM's first boot stopped at "/opt/mlflow/venv/bin/python: No such file or directory".
    const spec = vmCloudInitSpec();
    const backup = renderBackupFiles(spec.backup, spec.launch).find((file) => file.path.endsWith("/mlflow-backup"));
    expect(backup?.content).toContain("pgbackrest");
    expect(backup?.content).not.toContain(VM_LAYOUT.venvDir);
  });

  it("the venv install command needs nothing but $version, the one variable its child shell gets", () => {
    // The VM's first boot built the venv in /3.17.2: the command named $VENVS_DIR, unset there.
    const site = vmUpgradeSite("3.17.2");
    expect(site.installVenv).toContain(`${site.venvsDir}/"$version"/bin/pip`);
    expect([...new Set(site.installVenv.match(/\$\{?[A-Za-z_]\w*/g))]).toEqual(["$version"]);
  });

  it("pgBackRest, which runs as postgres, reads nothing under the service's config dir (0750, root:mlflow)", () => {
    // The first VM boot with a private object-store CA stopped at "unable to set user-defined CA certificate location".
    const site = vmBackupSite("https://objects.example.org", "us-east-1", true);
    expect(site.caFile).toBeDefined();
    expect(site.caFile?.startsWith(`${VM_LAYOUT.configDir}/`)).toBe(false);
  });

  it("cloud-init writes exactly the launch renderer's files, with their modes", () => {
    const spec = vmCloudInitSpec();
    const written = (yaml.load(renderCloudInit(spec).replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string; permissions: string }[] }).write_files;
    for (const file of renderServerFiles(spec.launch)) {
      expect(written.find((entry) => entry.path === file.path), file.path).toMatchObject({ content: file.content, permissions: `0${file.mode.toString(8)}` });
    }
  });

  it("the local lab launches what the VM launches: only the site's paths, port and endpoints differ", () => {
    const config = buildLabConfig<string>(minimalRawConfig(), {});
    const secrets = { databasePassword: "dbpassFIXTURE", s3AccessKeyId: "s3accessFIXTURE", s3SecretAccessKey: "s3secretFIXTURE", adminPassword: "adminpassFIXTURE", researcherPassword: "researcherpassFIXTURE", flaskSecretKey: "flaskFIXTURE" };
    const hostname = "mlflow.ocean-lab.example.org";
    const vm = launchSpecFor(config, {
      layout: VM_LAYOUT, port: SERVER_DEFAULTS.port, publicHosts: [hostname, `${hostname}:443`],
      database: { host: "127.0.0.1", port: 5432 }, s3EndpointUrl: "https://object-arbutus.example.org", s3Region: "us-east-1", bucket: "mlflow-ocean-lab",
    }, secrets);
    const paths = labPaths("ocean-lab");
    const state: LabState = {
      ports: { postgres: 41001, s3: 41002, s3tls: 41004, mlflow: 41003 },
      secrets: { dbPassword: secrets.databasePassword, adminPassword: secrets.adminPassword, researcherPassword: secrets.researcherPassword, flaskSecretKey: secrets.flaskSecretKey, s3AccessKey: secrets.s3AccessKeyId, s3SecretKey: secrets.s3SecretAccessKey, backupCipher: "cipherFIXTURE" },
    };
    const local = localLaunchSpec(paths, state, config, "mlflow-ocean-lab");

    const differing = (Object.keys(vm) as (keyof ServerLaunchSpec)[]).filter((field) => !isDeepStrictEqual(vm[field], local[field])).sort();
    expect(differing).toEqual(["allowedHosts", "authDatabaseUri", "backendStoreUri", "layout", "port", "s3"]);
    // Loopback is accepted alike, for the scripts on the server's own host; the VM adds its public name.
    expect(vm.allowedHosts).toEqual([hostname, `${hostname}:443`, "127.0.0.1:5000", "localhost:5000"]);
    expect(local.allowedHosts).toEqual(["127.0.0.1:41003", "localhost:41003"]);
    expect(local.backendStoreUri).toBe(vm.backendStoreUri.replace("127.0.0.1:5432", "127.0.0.1:41001"));
    expect(local.authDatabaseUri).toBe(vm.authDatabaseUri.replace("127.0.0.1:5432", "127.0.0.1:41001"));
    expect({ ...local.s3, endpointUrl: vm.s3.endpointUrl }).toEqual(vm.s3);

    // Rendered, the files differ only by those values: same flags, same env, same ini.
    const normalise = (text: string) =>
      text
        .replaceAll(paths.server.config, vm.layout.configDir)
        .replaceAll(paths.server.bin, vm.layout.binDir)
        .replaceAll(local.layout.venvDir, vm.layout.venvDir)
        .replaceAll(local.allowedHosts.join(","), vm.allowedHosts.join(","))
        .replaceAll(local.s3.endpointUrl, vm.s3.endpointUrl)
        .replaceAll("41001", "5432")
        .replaceAll("41003", String(vm.port));
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
    const spec = vmCloudInitSpec();
    const bootstrap = renderBootstrapScript({ ...spec, tlsMode: "files" });
    for (const [name, value] of Object.entries(POSTGRES_SETTINGS)) expect(bootstrap).toContain(`pg_conftool "$PG_VERSION" mlflow set ${name} '${value}'`);
  });

  it("gives each of a worker's request threads a connection, and Postgres room for every worker's two pools", () => {
    // With 5+5, requests beyond the 10th waited 30 s on the pool and got 400 (not retried): bench P4 lost points.
    // MLflow's uvicorn runs Flask in anyio's worker threads: read their limit from the server's venv.
    const threads = spawnSync(PYTHON, ["-c", ANYIO_THREAD_LIMIT], { encoding: "utf8" });
    expect(threads.status, threads.stderr).toBe(0);
    const threadLimit = Number(threads.stdout);
    expect(threadLimit).toBeGreaterThan(0);
    const perEngine = SERVER_DEFAULTS.sqlalchemyPoolSize + SERVER_DEFAULTS.sqlalchemyMaxOverflow;
    expect(perEngine).toBeGreaterThanOrEqual(threadLimit);
    expect(Number(POSTGRES_SETTINGS.max_connections)).toBeGreaterThanOrEqual(SERVER_DEFAULTS.workers * perEngine * 2);
  });

  it("refuses an auth ini value configparser would misread", () => {
    expect(() => renderServerFiles({ ...vmLaunchSpec(), admin: { username: "admin", password: "100%" } })).toThrow(/must not contain '%'/);
  });
});
