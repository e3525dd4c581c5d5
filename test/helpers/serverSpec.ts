import { buildLabConfig } from "../../config/schema";
import { backupSpecFor } from "../../model/backupSpec";
import { vmBackupSite, vmUpgradeSite } from "../../model/vmSite";
import type { CloudInitSpec } from "../../templates/server/cloudInit";
import { minimalRawConfig } from "./labConfig";
import { SERVER_DEFAULTS, type ServerLaunchSpec, VM_LAYOUT } from "../../model/launchSpec";

export function vmLaunchSpec(): ServerLaunchSpec {
  return {
    lab: "ocean-lab",
    layout: VM_LAYOUT,
    ...SERVER_DEFAULTS,
    allowedHosts: ["mlflow.ocean-lab.example.org", "mlflow.ocean-lab.example.org:443"],
    backendStoreUri: "postgresql+psycopg2://mlflow_ocean_lab:dbpassFIXTURE@127.0.0.1:5432/mlflow_ocean_lab",
    authDatabaseUri: "postgresql+psycopg2://mlflow_ocean_lab:dbpassFIXTURE@127.0.0.1:5432/mlflow_ocean_lab_auth",
    artifacts: { mode: "proxied", destination: "s3://mlflow-ocean-lab/artifacts" },
    s3: { endpointUrl: "https://object-arbutus.example.org", accessKeyId: "s3accessFIXTURE", secretAccessKey: "s3secretFIXTURE", region: "us-east-1" },
    admin: { username: "admin", password: "adminpassFIXTURE" },
    researcher: { username: "ocean-lab", password: "researcherpassFIXTURE" },
    flaskSecretKey: "flaskFIXTURE",
  };
}

export function vmCloudInitSpec(): CloudInitSpec {
  return {
    hostname: "mlflow.ocean-lab.example.org",
    backup: backupSpecFor(buildLabConfig<string>(minimalRawConfig(), {}), vmBackupSite("https://object-arbutus.example.org", "us-east-1", false), "mlflow-ocean-lab", {
      accessKeyId: "s3accessFIXTURE",
      secretAccessKey: "s3secretFIXTURE",
      cipherPass: "cipherFIXTURE",
    }),
    upgrade: vmUpgradeSite("3.17.2"),
    launch: vmLaunchSpec(),
    database: {
      mode: "vm",
      volumeDevice: "/dev/disk/by-id/virtio-0f1e2d3c-4b5a-6978-8",
      role: "mlflow_ocean_lab",
      password: "dbpassFIXTURE",
      trackingDatabase: "mlflow_ocean_lab",
      authDatabase: "mlflow_ocean_lab_auth",
    },
    tls: { mode: "files", certificatePem: "-----BEGIN CERTIFICATE-----\nFIXTURE\n-----END CERTIFICATE-----\n", privateKeyPem: "-----BEGIN PRIVATE KEY-----\nFIXTURE\n-----END PRIVATE KEY-----\n" },
  };
}
