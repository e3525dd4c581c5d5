import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { LabConfig, TlsChoice, VmServer } from "../model/labConfig";
import type { LabValues } from "../model/labValues";
import { labValuesFor } from "../model/labValuesFor";
import { launchSpecFor, SERVER_DEFAULTS, type ServerLaunchSpec, VM_LAYOUT } from "../model/launchSpec";
import { ADMIN_USERNAME, envSecretName } from "../model/names";
import { type BackupSpec, backupSpecFor } from "../model/backupSpec";
import { OBJECT_STORE_CA_PATH, vmBackupSite } from "../model/vmSite";
import { mlflowEnvironment } from "../templates/researcher/environment";
import { POD_CA_CERT_PATH, renderJobTemplate } from "../templates/researcher/kubernetes";
import type { VmTls } from "../templates/server/cloudInit";
import { ArtifactStore } from "./artifactStore";
import { TrackingServer } from "./hosting/vmTrackingServer";
import { LabCertificateAuthority } from "./labCertificateAuthority";
import { LabMember } from "./labMember";
import { RunaiProject } from "./runaiProject";
import { TrackingDatabase } from "./trackingDatabase";

type Secret = pulumi.Output<string>;

export interface MlflowLabArgs {
  /** The validated lab configuration (see loadLabConfig). */
  readonly config: LabConfig<Secret>;
  /** Where the tracking server runs: today an OpenStack VM. */
  readonly server: VmServer<Secret>;
}

/** What the VM's cloud-init needs for TLS, for each TLS mode. */
function serverTls(tls: TlsChoice<Secret>, labCa: LabCertificateAuthority | undefined): pulumi.Output<VmTls> {
  const files = (certificatePem: pulumi.Input<string>, privateKeyPem: pulumi.Input<string>) =>
    pulumi.all([certificatePem, privateKeyPem]).apply(([certificate, privateKey]): VmTls => ({ mode: "files", certificatePem: certificate, privateKeyPem: privateKey }));
  switch (tls.mode) {
    case "lab-ca":
      if (!labCa) throw new Error("tlsMode lab-ca needs the lab CA");
      return files(labCa.serverChainPem, labCa.serverPrivateKeyPem);
    case "institution":
      return files(tls.certificate, tls.privateKey);
    case "acme-dns":
      return tls.dnsCredentials.apply((dnsCredentials): VmTls => ({ mode: "acme-dns", email: tls.email, dnsPlugin: tls.dnsPlugin, dnsCredentials }));
    default: {
      const unreachable: never = tls;
      throw new Error(`unknown TLS mode ${JSON.stringify(unreachable)}`);
    }
  }
}

/** One research lab's MLflow platform: artifacts, database, server, Run:ai project, and LabValues. */
export class MlflowLab extends pulumi.ComponentResource {
  /** Every resolved value the researcher bundle is rendered from; secret. */
  readonly labValues: pulumi.Output<LabValues>;
  readonly trackingUrl: string;
  readonly floatingIp: pulumi.Output<string>;
  readonly bucketName: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: MlflowLabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlflow-lab:lab:MlflowLab", name, {}, opts);
    const { config, server } = args;
    const childOpts = { parent: this };
    const store = server.objectStore;

    const artifacts = new ArtifactStore(
      `${name}-artifacts`,
      {
        projectId: server.openstack.projectId,
        s3EndpointUrl: store.s3EndpointUrl,
        region: store.region,
        bucketName: store.bucketName,
        bucketMode: store.bucketMode,
        researcherCredential: config.artifacts.mode === "direct",
        noncurrentVersionDays: config.backup.retentionDays,
      },
      childOpts,
    );
    const database = new TrackingDatabase(`${name}-database`, { lab: config.lab, database: server.database }, childOpts);
    const password = (role: string) => pulumi.secret(new random.RandomPassword(`${name}-${role}`, { length: 32, special: false }, childOpts).result);
    const adminPassword = password("admin-password");
    const researcherPassword = password("researcher-password");
    const memberPasswords = Object.fromEntries(config.members.map((member) => [member, password(`member-${member}-password`)]));
    const flaskSecretKey = password("flask-secret-key");
    // Encrypts the backup repository; kept only on the server and in the stack's secrets.
    const backupCipher = password("backup-cipher");
    const labCa = server.tls.mode === "lab-ca" ? new LabCertificateAuthority(`${name}-ca`, { lab: config.lab, hostname: server.hostname }, childOpts) : undefined;

    const serverCredential = artifacts.serverCredential;
    const launch: pulumi.Output<ServerLaunchSpec> = pulumi
      .all([artifacts.bucketName, database.password, serverCredential.accessKeyId, serverCredential.secretAccessKey, adminPassword, researcherPassword, flaskSecretKey])
      .apply(([bucket, databasePassword, s3AccessKeyId, s3SecretAccessKey, admin, researcher, flask]) =>
        launchSpecFor(
          config,
          {
            layout: VM_LAYOUT,
            port: SERVER_DEFAULTS.port,
            publicHosts: [server.hostname, `${server.hostname}:443`],
            database: database.address,
            s3EndpointUrl: store.s3EndpointUrl,
            s3Region: store.region,
            ...(store.caCertPem !== undefined ? { s3CaFile: OBJECT_STORE_CA_PATH } : {}),
            bucket,
          },
          { databasePassword, s3AccessKeyId, s3SecretAccessKey, adminPassword: admin, researcherPassword: researcher, flaskSecretKey: flask },
        ),
      );

    const backup: pulumi.Output<BackupSpec> = pulumi
      .all([artifacts.bucketName, serverCredential.accessKeyId, serverCredential.secretAccessKey, backupCipher])
      .apply(([bucket, accessKeyId, secretAccessKey, cipherPass]) =>
        backupSpecFor(config, vmBackupSite(store.s3EndpointUrl, store.region, store.caCertPem !== undefined), bucket, { accessKeyId, secretAccessKey, cipherPass }),
      );

    const trackingServer = new TrackingServer(
      `${name}-server`,
      {
        hostname: server.hostname,
        ...server.openstack,
        mlflowVersion: server.mlflowVersion,
        launch: pulumi.secret(launch),
        backup: pulumi.secret(backup),
        ...(store.caCertPem !== undefined ? { objectStoreCaPem: store.caCertPem } : {}),
        database:
          server.database.mode === "vm"
            ? {
                mode: "vm",
                settings: database.password.apply((dbPassword) => ({ role: database.roleName, password: dbPassword, trackingDatabase: database.trackingDatabaseName, authDatabase: database.authDatabaseName })),
              }
            : { mode: "existing" },
        tls: pulumi.secret(serverTls(server.tls, labCa)),
      },
      childOpts,
    );

    // Accounts through the auth API once the server answers: a change of members leaves userData alone.
    const authServer = pulumi.all([adminPassword, labCa?.caCertPem]).apply(([admin, caCertPem]) => ({
      url: trackingServer.trackingUrl,
      admin: { username: ADMIN_USERNAME, password: admin },
      ...(caCertPem !== undefined ? { caCertPem } : {}),
    }));
    for (const [member, memberPassword] of Object.entries(memberPasswords)) {
      new LabMember(`${name}-member-${member}`, { server: authServer, member: memberPassword.apply((secret) => ({ username: member, password: secret })) }, { ...childOpts, dependsOn: [trackingServer] });
    }

    const researcherCredential = artifacts.researcherCredential;
    this.labValues = pulumi.secret(
      pulumi
        .all([researcherPassword, labCa?.caCertPem, artifacts.bucketName, researcherCredential?.accessKeyId, researcherCredential?.secretAccessKey, pulumi.all(memberPasswords)])
        .apply(([researcher, caCertPem, bucket, accessKeyId, secretAccessKey, members]) =>
          labValuesFor(config, {
            trackingUri: trackingServer.trackingUrl,
            researcherPassword: researcher,
            memberPasswords: members,
            ...(caCertPem !== undefined ? { caCertPem } : {}),
            ...(accessKeyId !== undefined && secretAccessKey !== undefined
              ? { directArtifacts: { s3EndpointUrl: store.s3EndpointUrl, region: store.region, bucket, accessKeyId, secretAccessKey } }
              : {}),
          }),
        ),
    );

    const runai = new RunaiProject(
      `${name}-runai`,
      {
        project: config.runai.project,
        namespaceMode: config.runai.namespaceMode,
        kubeContext: config.runai.kubeContext,
        envSecretName: envSecretName(config.lab),
        // In a pod the CA is the mounted ConfigMap, not the bundle's copy.
        environment: this.labValues.apply((values) => mlflowEnvironment(values, values.tls?.caCertPem !== undefined ? POD_CA_CERT_PATH : undefined)),
        // The template holds no credential (tests check), so it need not inherit labValues' secrecy.
        jobTemplateYaml: pulumi.unsecret(this.labValues.apply(renderJobTemplate)),
        caCertPem: labCa?.caCertPem,
        // Members submit jobs; runaiResearchers adds cluster identities that are not lab members.
        researchers: [...new Set([...config.members, ...config.runai.researchers])],
      },
      childOpts,
    );

    this.trackingUrl = trackingServer.trackingUrl;
    this.floatingIp = trackingServer.floatingIp;
    this.bucketName = artifacts.bucketName;
    this.namespace = runai.namespace;
    this.registerOutputs({ labValues: this.labValues, trackingUrl: this.trackingUrl, floatingIp: this.floatingIp, bucketName: this.bucketName, namespace: this.namespace });
  }
}
