/** The local lab's MLflow server files: exactly what the VM's cloud-init writes, in .lab/<name>/server. */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { LabConfig } from "../model/labConfig";
import { launchSpecFor, type ServerLaunchSpec } from "../model/launchSpec";
import { renderServerFiles, serverFilePaths } from "../templates/server/launch";
import { s3Endpoint } from "./objectStore";
import { type LabPaths, type LabState, S3_REGION, VENV } from "./state";

/** The local lab's launch: the VM's, with loopback ports, local paths and no TLS in front. */
export function localLaunchSpec(paths: LabPaths, state: LabState, config: LabConfig<unknown>, bucket: string): ServerLaunchSpec {
  return launchSpecFor(
    config,
    {
      layout: { configDir: paths.server.config, binDir: paths.server.bin, venvDir: VENV },
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

/** Writes the launch files; returns a digest of them, which changes when any file does. */
export function writeLaunchFiles(spec: ServerLaunchSpec): string {
  const digest = createHash("sha256");
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
