/**
 * How a lab's data is backed up and restored, as data: pgBackRest with an S3 repository under
 * a prefix of the lab's bucket (encrypted, WAL archived for point-in-time recovery), versioned
 * artifacts, and how the server is stopped and started around a restore or an upgrade. The VM
 * and the local lab build it here and render it with one renderer; they differ in site data only.
 */

export const BACKUP_STANZA = "mlflow";
export const BACKUP_REPO_PREFIX = "pgbackrest";
/** A WAL segment is archived at least this often while anything is written: the RPO's bound. */
export const ARCHIVE_TIMEOUT_SECONDS = 60;

export interface BackupSite {
  /** The object store as pgBackRest reaches it: always HTTPS, certificate checked by DNS name. */
  readonly repoEndpoint: { readonly host: string; readonly port: number };
  readonly region: string;
  /** CA of the object store's certificate when it is private; absent: the system's CAs. */
  readonly caFile?: string;
  /** Where pgBackRest's config, lock, log and spool live. */
  readonly configFile: string;
  readonly configIncludeDir: string;
  readonly lockDir: string;
  readonly logDir: string;
  readonly spoolDir: string;
  /** The Postgres cluster: its socket directory and port (its data directory is found at run time on the VM). */
  readonly postgres: { readonly socketDir: string; readonly port: number };
  /** Where the lab keeps what it must remember across rebuilds (the version it runs). */
  readonly stateDir: string;
  /** Commands that stop and start the server and the database (systemctl on the VM, the supervisor locally). */
  readonly control: { readonly stopServer: string; readonly startServer: string; readonly stopDatabase: string; readonly startDatabase: string };
  /**
   * How the object store dates an object's versions: S3 and Ceph RGW by LastModified;
   * versitygw v1.8.0 reports a superseded version's LastModified as the time it was superseded
   * (versitygw #2311), but its version ids are ULIDs that carry the creation time.
   */
  readonly versionTimes: "last-modified" | "version-id";
  /** Runs a command as the database's OS user (empty when we already are it). */
  readonly asPostgres: readonly string[];
}

import type { LabConfig } from "./labConfig";
import { ARTIFACT_PREFIX } from "./launchSpec";

export interface BackupSpec {
  readonly lab: string;
  readonly site: BackupSite;
  readonly bucket: string;
  readonly artifactPrefix: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Encrypts the repository (aes-256-cbc); a Pulumi secret, kept only on the server. */
  readonly cipherPass: string;
  readonly retentionDays: number;
}

export function backupSpecFor(config: LabConfig<unknown>, site: BackupSite, bucket: string, secrets: { accessKeyId: string; secretAccessKey: string; cipherPass: string }): BackupSpec {
  return { lab: config.lab, site, bucket, artifactPrefix: ARTIFACT_PREFIX, ...secrets, retentionDays: config.backup.retentionDays };
}

/** Where pgBackRest finds the object store, from the lab's S3 endpoint URL. */
export function repoEndpointOf(s3EndpointUrl: string): { host: string; port: number } {
  const url = new URL(s3EndpointUrl);
  return { host: url.hostname, port: url.port === "" ? 443 : Number(url.port) };
}

/** How a site installs MLflow versions side by side: what mlflow-upgrade switches between. */
export interface UpgradeSite {
  readonly targetVersion: string;
  /** Where each version's venv lives, named by version; the launch's venv links to one. */
  readonly venvsDir: string;
  /** Creates venvsDir/$version: bash run in a child shell with only `version` in its environment. */
  readonly installVenv: string;
  /** Runs a command as the server's OS user (empty when we are it). */
  readonly asService: readonly string[];
}
