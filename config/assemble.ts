/** From validated keys to the typed LabConfig; every default was applied by schema.ts. */
import type { z } from "zod";
import type { LabConfig, ServerChoice, TlsChoice, DatabaseChoice } from "../model/labConfig";
import { labResourceName } from "../model/names";
import type { CONFIG_KEYS, ConfigKey, SecretKey } from "./keys";
import { splitAssignment } from "./slurmEnvironment";

type Output<K extends ConfigKey> = z.output<(typeof CONFIG_KEYS)[K]["shape"]>;
type Defaulted = { [K in ConfigKey]: (typeof CONFIG_KEYS)[K] extends { default: unknown } ? K : never }[ConfigKey];
/** Validated values: keys with a default always hold one, the others only when set. */
export type ParsedKeys = { readonly [K in Defaulted]: Output<K> } & { readonly [K in Exclude<ConfigKey, Defaulted | SecretKey>]?: Output<K> };

/** Presence of a key that a mode requires was checked by schema.ts; this narrows its type. */
function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("internal: a required key was not validated");
  return value;
}

function tlsChoice<S>(keys: ParsedKeys, secrets: Partial<Record<SecretKey, S>>): TlsChoice<S> {
  switch (keys.tlsMode) {
    case "institution":
      return { mode: "institution", certificate: present(keys.tlsCertificate), privateKey: present(secrets.tlsPrivateKey) };
    case "acme-dns":
      return { mode: "acme-dns", email: present(keys.acmeEmail), dnsPlugin: present(keys.acmeDnsPlugin), dnsCredentials: present(secrets.acmeDnsCredentials) };
    case "lab-ca":
      return { mode: "lab-ca" };
  }
}

function databaseChoice<S>(keys: ParsedKeys, secrets: Partial<Record<SecretKey, S>>): DatabaseChoice<S> {
  if (keys.databaseMode === "vm") return { mode: "vm" };
  return {
    mode: "existing",
    host: present(keys.databaseHost),
    port: keys.databasePort,
    adminUsername: present(keys.databaseAdminUsername),
    adminPassword: present(secrets.databaseAdminPassword),
    sslMode: keys.databaseSslMode,
  };
}

function serverChoice<S>(keys: ParsedKeys, secrets: Partial<Record<SecretKey, S>>, lab: string): ServerChoice<S> {
  if (keys.hosting === "local") return { hosting: "local" };
  return {
    hosting: "vm",
    hostname: present(keys.hostname),
    mlflowVersion: keys.mlflowVersion,
    tls: tlsChoice(keys, secrets),
    database: databaseChoice(keys, secrets),
    openstack: {
      projectId: present(keys.openstackProjectId),
      image: present(keys.serverImage),
      flavor: present(keys.serverFlavor),
      network: present(keys.networkName),
      externalNetwork: keys.externalNetworkName,
      keyPair: present(keys.keyPairName),
      adminCidr: present(keys.adminCidr),
      labCidrs: present(keys.labCidrs),
      dataVolumeSizeGiB: keys.dataVolumeSizeGiB,
    },
    objectStore: {
      s3EndpointUrl: present(keys.s3EndpointUrl),
      region: keys.s3Region,
      bucketName: keys.bucketName ?? labResourceName(lab),
      bucketMode: keys.bucketMode,
      ...(keys.objectStoreCaCert !== undefined ? { caCertPem: keys.objectStoreCaCert } : {}),
    },
  };
}

export function assemble<S>(keys: ParsedKeys, secrets: Partial<Record<SecretKey, S>>): LabConfig<S> {
  const lab = present(keys.lab);
  return {
    lab,
    server: serverChoice(keys, secrets, lab),
    artifacts: { mode: keys.artifactMode, multipartUpload: keys.artifactMultipartUpload },
    ...(keys.experimentName !== undefined ? { experimentName: keys.experimentName } : {}),
    backup: { retentionDays: keys.backupRetentionDays },
    members: keys.members,
    runai: {
      project: keys.runaiProject ?? lab,
      ...(keys.runaiKubeContext !== undefined ? { kubeContext: keys.runaiKubeContext } : {}),
      namespaceMode: keys.runaiNamespaceMode,
      repositoryUri: present(keys.runaiImageRepository),
      researchers: keys.runaiResearchers,
      gpus: keys.runaiGpus,
      cpu: keys.runaiCpu,
      memory: keys.runaiMemory,
      interactive: keys.runaiInteractive,
    },
    slurm: {
      jobName: keys.slurmJobName ?? labResourceName(lab),
      partition: keys.slurmPartition,
      nodes: keys.slurmNodes,
      ntasksPerNode: keys.slurmNtasksPerNode,
      cpusPerTask: keys.slurmCpusPerTask,
      mem: keys.slurmMem,
      time: keys.slurmTime,
      gpus: keys.slurmGpus === 0 ? null : keys.slurmGpus,
      modules: keys.slurmModules,
      extraEnvironment: Object.fromEntries(keys.slurmEnvironment.map((entry) => { const { name, value } = splitAssignment(entry); return [name, value]; })),
      debug: keys.slurmDebug,
    },
    ...(keys.offlineSqliteDbPath !== undefined && keys.offlineArtifactsPath !== undefined
      ? { offline: { sqliteDbPath: keys.offlineSqliteDbPath, artifactsPath: keys.offlineArtifactsPath } }
      : {}),
  };
}
