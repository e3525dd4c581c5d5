import * as yaml from "js-yaml";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, type ConfigKeySpec } from "../config/keys";
import { PROJECT_FILE, renderProjectFile } from "../config/projectFile";
import { readLabKeys } from "../io/stackFile";
import { buildLabConfig, type RawConfig } from "../config/schema";
import { MLFLOW_VERSION } from "../model/versions";
import { minimalRawConfig } from "./helpers/labConfig";
import { validationProblems } from "./helpers/problems";

const problemsOf = (raw: RawConfig, secrets: Record<string, string> = {}) => validationProblems(() => buildLabConfig(raw, secrets));

describe("buildLabConfig", () => {
  it("fills every default, each documented in keys.ts", () => {
    const config = buildLabConfig(minimalRawConfig(), {});
    expect(config).toEqual({
      lab: "ocean-lab",
      server: {
        hosting: "vm",
        hostname: "mlflow.ocean-lab.example.org",
        mlflowVersion: MLFLOW_VERSION,
        tls: { mode: "lab-ca" },
        database: { mode: "vm" },
        openstack: {
          projectId: "0123456789abcdef0123456789abcdef",
          image: "Ubuntu-24.04-Noble-x64-2024-06",
          flavor: "p4-6gb",
          network: "def-ocean-network",
          externalNetwork: "Public-Network",
          keyPair: "ocean-admin",
          adminCidr: "198.51.100.7/32",
          labCidrs: ["203.0.113.0/24", "2001:db8::/48"],
          dataVolumeSizeGiB: 50,
        },
        objectStore: {
          s3EndpointUrl: "https://object-arbutus.example.org",
          region: "us-east-1",
          bucketName: "mlflow-ocean-lab",
          bucketMode: "create",
        },
      },
      artifacts: { mode: "proxied", multipartUpload: true },
      backup: { retentionDays: 14 },
      members: [],
      runai: {
        project: "ocean-lab",
        namespaceMode: "adopt",
        repositoryUri: "registry.example.org/ocean/mlflow",
        researchers: [],
        gpus: 1,
        cpu: "4",
        memory: "16Gi",
        interactive: false,
      },
      slurm: {
        jobName: "mlflow-ocean-lab",
        partition: "shared",
        nodes: 1,
        ntasksPerNode: 1,
        cpusPerTask: 1,
        mem: "4G",
        time: "01:00:00",
        gpus: null,
        modules: [],
        extraEnvironment: {},
        debug: false,
      },
    });
  });

  it("keeps a configured 0 and false instead of replacing them with defaults", () => {
    const config = buildLabConfig({ ...minimalRawConfig(), runaiGpus: "0", runaiInteractive: "false", slurmDebug: "true" }, {});
    expect(config.runai.gpus).toBe(0);
    expect(config.runai.interactive).toBe(false);
    expect(config.slurm.debug).toBe(true);
  });

  it("parses fractional GPUs, Slurm environment and offline paths", () => {
    const config = buildLabConfig(
      {
        ...minimalRawConfig(),
        runaiGpus: "0.5",
        slurmEnvironment: '["OMP_NUM_THREADS=8","GREETING=a=b c"]',
        offlineSqliteDbPath: "/scratch/ocean/mlflow.db",
        offlineArtifactsPath: "/scratch/ocean/artifacts",
      },
      {},
    );
    expect(config.runai.gpus).toBe(0.5);
    expect(config.slurm.extraEnvironment).toEqual({ OMP_NUM_THREADS: "8", GREETING: "a=b c" });
    expect(config.offline).toEqual({ sqliteDbPath: "/scratch/ocean/mlflow.db", artifactsPath: "/scratch/ocean/artifacts" });
  });

  it("reports every bad key at once, each with the value given and the command that fixes it", () => {
    const problems = problemsOf({
      ...minimalRawConfig(),
      lab: "Ocean Lab",
      adminCidr: "10.0.0.0/33",
      slurmTime: "5 minutes",
      mlflowVersion: "2.22.0",
      dataVolumeSizeGiB: "-3",
      labCidrs: "[not json",
    });
    expect(problems.map((p) => p.path).sort()).toEqual(
      ["adminCidr", "dataVolumeSizeGiB", "lab", "labCidrs", "mlflowVersion", "slurmTime"].map((key) => `mlflow-lab:${key}`),
    );
    const slurmTime = problems.find((p) => p.path === "mlflow-lab:slurmTime");
    expect(slurmTime?.message).toBe(
      'must be a Slurm time such as 02:00:00 or 1-00:00:00 (given "5 minutes"); fix: pulumi config set slurmTime 02:00:00',
    );
    expect(problems.find((p) => p.path === "mlflow-lab:mlflowVersion")?.message).toMatch(/at least 3\.11\.0/);
  });

  it("names a missing required key", () => {
    const raw = minimalRawConfig();
    delete raw.hostname;
    expect(problemsOf(raw)).toEqual([
      { path: "mlflow-lab:hostname", message: "is required when hosting is vm; fix: pulumi config set hostname mlflow.ocean-lab.example.org" },
    ]);
  });

  it("rejects a misspelt key instead of ignoring it", () => {
    const problems = problemsOf({ ...minimalRawConfig(), slurmTme: "02:00:00" } as RawConfig);
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe("mlflow-lab:slurmTme");
    expect(problems[0].message).toMatch(/not a known key/);
  });

  it("requires the settings of the chosen mode and refuses those of another", () => {
    const problems = problemsOf({ ...minimalRawConfig(), databaseMode: "existing", tlsCertificate: "-----BEGIN CERTIFICATE-----" });
    expect(problems.map((p) => p.path).sort()).toEqual(
      ["databaseAdminPassword", "databaseAdminUsername", "databaseHost", "tlsCertificate"].map((key) => `mlflow-lab:${key}`),
    );
    expect(problems.find((p) => p.path === "mlflow-lab:tlsCertificate")?.message).toMatch(/only applies when tlsMode is institution \(tlsMode is lab-ca; set tlsMode to institution to use it\)/);
    expect(problems.find((p) => p.path === "mlflow-lab:databaseAdminPassword")?.message).toBe(
      "is required when databaseMode is existing; fix: pulumi config set --secret databaseAdminPassword",
    );
  });

  it("builds an existing-database lab with its secret as given", () => {
    const config = buildLabConfig(
      { ...minimalRawConfig(), databaseMode: "existing", databaseHost: "pg.example.org", databaseAdminUsername: "postgres" },
      { databaseAdminPassword: "admin-secret" },
    );
    expect(config.server.hosting === "vm" && config.server.database).toEqual({
      mode: "existing",
      host: "pg.example.org",
      port: 5432,
      adminUsername: "postgres",
      adminPassword: "admin-secret",
      sslMode: "require",
    });
  });

  it("requires both offline paths or neither", () => {
    expect(problemsOf({ ...minimalRawConfig(), offlineSqliteDbPath: "/scratch/x.db" }).map((p) => p.path)).toEqual(["mlflow-lab:offlineArtifactsPath"]);
  });

  it("refuses a Slurm variable mlflow-lab sets itself", () => {
    expect(problemsOf({ ...minimalRawConfig(), slurmEnvironment: '["AWS_SECRET_ACCESS_KEY=x"]' })[0].message).toMatch(/set by mlflow-lab itself/);
  });

  it("never echoes a secret key's value, even one passed where it does not belong", () => {
    const problems = problemsOf({ ...minimalRawConfig(), tlsPrivateKey: "-----BEGIN PRIVATE KEY----- topsecret" });
    expect(problems.map((p) => p.path)).toEqual(["mlflow-lab:tlsPrivateKey", "mlflow-lab:tlsPrivateKey"]);
    expect(problems.map((p) => p.message.replace(/;.*/, ""))).toEqual(["holds a credential but is stored in clear text", "only applies when tlsMode is institution (tlsMode is lab-ca"]);
    expect(JSON.stringify(problems)).not.toContain("topsecret");
  });});

describe("Pulumi.yaml", () => {
  const project = yaml.load(fs.readFileSync(PROJECT_FILE, "utf8")) as {
    name: string;
    stackConfigDir: string;
    config: Record<string, { type: string; description: string; default?: unknown; secret?: boolean }>;
  };

  it("is exactly what the key table renders", () => {
    expect(fs.readFileSync(PROJECT_FILE, "utf8")).toBe(renderProjectFile());
  });

  it("declares every key the program reads, with its type, description and default", () => {
    expect(project.name).toBe("mlflow-lab");
    expect(project.stackConfigDir).toBe("stacks");
    expect(Object.keys(project.config)).toEqual(Object.keys(CONFIG_KEYS));
    for (const [key, spec] of Object.entries(CONFIG_KEYS) as [string, ConfigKeySpec][]) {
      expect(project.config[key].type, key).toBe(spec.type);
      expect(project.config[key].description, key).toContain(spec.description);
      // Only keys every stack sets go without a default: the CLI demands the others otherwise.
      expect("default" in project.config[key], key).toBe(spec.required !== true);
      if (spec.default !== undefined) expect(project.config[key].default, key).toEqual(spec.default);
      // The CLI demands a declared secret's default be encrypted too: the program enforces it instead.
      expect(project.config[key].secret, key).toBeUndefined();
    }
    expect(Object.keys(project.config).filter((key) => !("default" in project.config[key]))).toEqual(["lab", "runaiImageRepository"]);
  });
});

describe("stacks/Pulumi.example.yaml", () => {
  const text = fs.readFileSync(path.join(__dirname, "..", "stacks", "Pulumi.example.yaml"), "utf8");

  it("shows every key of the table, set or commented with how to set it", () => {
    const mentioned = new Set([...text.matchAll(/^\s*#?\s*mlflow-lab:([A-Za-z0-9]+):/gm)].map((match) => match[1]));
    expect([...mentioned].sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
  });

  it("sets only valid values (the whole stack builds)", () => {
    expect(() => buildLabConfig(readLabKeys("example"), {})).not.toThrow();
  });
});
