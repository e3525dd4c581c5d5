/** The local lab's MLflow server files: exactly what the VM's cloud-init writes, in .lab/<name>/server. */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { LabConfig } from "../model/labConfig";
import { launchSpecFor, type ServerLaunchSpec } from "../model/launchSpec";
import { renderServerFiles, serverFilePaths } from "../templates/server/launch";
import { s3Endpoint } from "./objectStore";
import type { UpgradeSite } from "../model/backupSpec";
import { MLFLOW_PREVIOUS_VERSION, MLFLOW_VERSION } from "../model/versions";
import { type LabPaths, type LabState, PREVIOUS_VENV, S3_REGION, VENV } from "./state";

/** The local lab's launch: the VM's, with loopback ports, local paths and no TLS in front. */
export function localLaunchSpec(paths: LabPaths, state: LabState, config: LabConfig<unknown>, bucket: string): ServerLaunchSpec {
  return launchSpecFor(
    config,
    {
      // A link to the venv of the MLflow version in use, switched by mlflow-upgrade as on the VM.
      layout: { configDir: paths.server.config, binDir: paths.server.bin, venvDir: paths.server.venvLink },
      port: state.ports.mlflow,
      // Researchers reach the local lab on loopback, which every site accepts already.
      publicHosts: [],
      database: { host: "127.0.0.1", port: state.ports.postgres },
      s3EndpointUrl: s3Endpoint(state),
      s3Region: S3_REGION,
      bucket,
    },
    {
      databasePassword: state.secrets.dbPassword,
      s3AccessKeyId: state.secrets.s3AccessKey,
      s3SecretAccessKey: state.secrets.s3SecretKey,
      adminPassword: state.secrets.adminPassword,
      researcherPassword: state.secrets.researcherPassword,
      flaskSecretKey: state.secrets.flaskSecretKey,
    },
  );
}

/** The MLflow versions this machine has, side by side: the pinned one, and the previous for the upgrade drill. */
export function localUpgradeSite(paths: LabPaths, targetVersion: string): UpgradeSite {
  fs.mkdirSync(paths.venvs, { recursive: true, mode: 0o755 });
  for (const [version, venv] of [[MLFLOW_VERSION, VENV], [MLFLOW_PREVIOUS_VERSION, PREVIOUS_VENV]] as const) {
    const link = path.join(paths.venvs, version);
    if (fs.existsSync(venv) && !fs.existsSync(link)) fs.symlinkSync(venv, link);
  }
  return {
    targetVersion,
    venvsDir: paths.venvs,
    installVenv: 'echo "mlflow-lab: no venv of MLflow $version on this machine; the local lab runs the versions npm run setup installs" >&2; exit 1',
    asService: [],
  };
}

/**
 * Writes the launch files; returns a digest of them and of the MLflow version, which changes
 * when either does (the supervisor then restarts the server).
 */
export function writeLaunchFiles(spec: ServerLaunchSpec, mlflowVersion: string): string {
  const digest = createHash("sha256").update(mlflowVersion).update("\0");
  for (const file of renderServerFiles(spec)) {
    fs.mkdirSync(path.dirname(file.path), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file.path, file.content, { mode: file.mode });
    fs.chmodSync(file.path, file.mode);
    digest.update(file.path).update("\0").update(file.content).update("\0");
  }
  return digest.digest("hex").slice(0, 16);
}

export function launchScripts(spec: ServerLaunchSpec) {
  return serverFilePaths(spec.layout);
}
