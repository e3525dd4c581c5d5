/**
 * The tracking server VM's cloud-init user-data: packages, the launch files, TLS material, the
 * reverse proxy, unit drop-ins, and the bootstrap script (./bootstrap.ts) that prepares the data
 * volume and Postgres, installs the pinned MLflow, migrates once, then starts everything.
 */
import * as yaml from "js-yaml";
import type { ServerLaunchSpec } from "../../model/launchSpec";
import { bashAssignment } from "../shell";
import { renderBootstrapScript, renderPostgresDropIn, renderResolvedDropIn, type VmDatabase } from "./bootstrap";
import { renderDatabaseSetupSql } from "./database";
import { type RenderedFile, renderServerFiles, renderSystemdUnit } from "./launch";
import { renderNginxSite } from "./reverseProxy";
import { renderBackupFiles, renderBackupTimers } from "./backup";
import { renderUpgradeScript } from "./upgrade";
import type { BackupSpec, UpgradeSite } from "../../model/backupSpec";
import { OBJECT_STORE_CA_PATH, SERVICE_USER } from "../../model/vmSite";


const TLS_DIR = "/etc/mlflow/tls";
const BOOTSTRAP_PATH = "/opt/mlflow/bin/mlflow-bootstrap";

export type VmTls =
  | { readonly mode: "files"; readonly certificatePem: string; readonly privateKeyPem: string }
  | { readonly mode: "acme-dns"; readonly email: string; readonly dnsPlugin: string; readonly dnsCredentials: string };

export interface CloudInitSpec {
  readonly hostname: string;
  readonly launch: ServerLaunchSpec;
  readonly database: VmDatabase;
  /** pgBackRest's settings; backups run when the database lives on the VM. */
  readonly backup: BackupSpec;
  readonly upgrade: UpgradeSite;
  readonly tls: VmTls;
  /** The object store's CA certificate, when a private one. */
  readonly objectStoreCaPem?: string;
}

function certificatePaths(spec: CloudInitSpec): { certificatePath: string; privateKeyPath: string } {
  return spec.tls.mode === "acme-dns"
    ? { certificatePath: `/etc/letsencrypt/live/${spec.hostname}/fullchain.pem`, privateKeyPath: `/etc/letsencrypt/live/${spec.hostname}/privkey.pem` }
    : { certificatePath: `${TLS_DIR}/server.crt`, privateKeyPath: `${TLS_DIR}/server.key` };
}

/** Deferred: written after the packages (and their users, such as postgres) are installed. */
function writeFile(file: RenderedFile, defer = true): Record<string, unknown> {
  return { path: file.path, content: file.content, owner: file.owner ?? "root:root", permissions: `0${file.mode.toString(8)}`, defer };
}

/** pgBackRest's config (group postgres reads it), the admin's commands and the nightly timers. */
function backupFiles(spec: CloudInitSpec): RenderedFile[] {
  if (spec.database.mode !== "vm") return [];
  return [
    ...renderBackupFiles(spec.backup, spec.launch).map((file) => (file.path === spec.backup.site.configFile ? { ...file, owner: "root:postgres" } : file)),
    ...renderBackupTimers(spec.launch.layout),
  ];
}

/** Files only a VM-local database needs: its password, its SQL, and Postgres' unit drop-in. */
function databaseFiles(spec: CloudInitSpec): RenderedFile[] {
  if (spec.database.mode !== "vm") return [];
  const configDir = spec.launch.layout.configDir;
  return [
    { path: `${configDir}/database.env`, content: `# shellcheck shell=bash\n${bashAssignment("DB_PASSWORD", spec.database.password)}\n`, mode: 0o600 },
    { path: `${configDir}/database-setup.sql`, content: renderDatabaseSetupSql(), mode: 0o644 },
    { path: "/etc/systemd/system/postgresql@.service.d/mlflow-lab.conf", content: renderPostgresDropIn(), mode: 0o644 },
  ];
}

function tlsFiles(spec: CloudInitSpec, certificatePath: string, privateKeyPath: string): RenderedFile[] {
  return spec.tls.mode === "files"
    ? [{ path: certificatePath, content: spec.tls.certificatePem, mode: 0o644 }, { path: privateKeyPath, content: spec.tls.privateKeyPem, mode: 0o600 }]
    : [{ path: `${spec.launch.layout.configDir}/acme-dns.ini`, content: spec.tls.dnsCredentials, mode: 0o600 }];
}

export function renderCloudInit(spec: CloudInitSpec): string {
  const { certificatePath, privateKeyPath } = certificatePaths(spec);
  const files: RenderedFile[] = [
    ...renderServerFiles(spec.launch),
    { path: "/etc/systemd/system/mlflow.service", content: renderSystemdUnit(spec.launch, SERVICE_USER), mode: 0o644 },
    { path: "/etc/nginx/sites-available/mlflow", content: renderNginxSite({ hostname: spec.hostname, upstreamPort: spec.launch.port, certificatePath, privateKeyPath }), mode: 0o644 },
    {
      path: BOOTSTRAP_PATH,
      content: renderBootstrapScript({
        hostname: spec.hostname,
        launch: spec.launch,
        database: spec.database,
        ...(spec.database.mode === "vm" ? { backup: spec.backup } : {}),
        tlsMode: spec.tls.mode,
        ...(spec.tls.mode === "acme-dns" ? { acme: { email: spec.tls.email, dnsPlugin: spec.tls.dnsPlugin } } : {}),
      }),
      mode: 0o700,
    },
    { path: "/etc/systemd/resolved.conf.d/mlflow-lab.conf", content: renderResolvedDropIn(), mode: 0o644 },
    renderUpgradeScript(spec.launch, spec.upgrade, spec.backup, spec.database.mode === "vm"),
    ...databaseFiles(spec),
    ...backupFiles(spec),
    ...tlsFiles(spec, certificatePath, privateKeyPath),
    ...(spec.objectStoreCaPem !== undefined ? [{ path: OBJECT_STORE_CA_PATH, content: spec.objectStoreCaPem, mode: 0o644 }] : []),
  ];
  const packages = [
    "nginx",
    "python3-venv",
    ...(spec.database.mode === "vm" ? ["postgresql", "pgbackrest"] : []),
    "curl",
    ...(spec.tls.mode === "acme-dns" ? ["certbot", `python3-certbot-dns-${spec.tls.dnsPlugin}`] : []),
  ];
  const document = {
    package_update: true,
    packages,
    write_files: [
      // Before the postgresql package installs: no default cluster on the root disk.
      ...(spec.database.mode === "vm"
        ? [{ path: "/etc/postgresql-common/createcluster.d/mlflow-lab.conf", content: "create_main_cluster = false\n", permissions: "0644", defer: false }]
        : []),
      ...files.map((file) => writeFile(file)),
    ],
    runcmd: [[BOOTSTRAP_PATH]],
  };
  return `#cloud-config\n${yaml.dump(document, { noRefs: true, lineWidth: -1, quotingType: '"' })}`;
}
