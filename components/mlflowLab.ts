import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { envSecretName, labValuesFor } from "../model/labValuesFor";
import type { LabConfig } from "../config/schema";
import type { VmTls } from "../templates/server/cloudInit";
import { mlflowEnvironment } from "../templates/researcher/environment";
import { POD_CA_CERT_PATH, renderJobTemplate } from "../templates/researcher/kubernetes";
import type { LabValues } from "../model/labValues";
import { ADMIN_USERNAME, SERVER_DEFAULTS, type ServerLaunchSpec, VM_LAYOUT } from "../templates/server/launch";
import { ArtifactStore } from "./artifactStore";
import { LabCertificateAuthority } from "./labCertificateAuthority";
import { RunaiProject } from "./runaiProject";
import { TrackingDatabase } from "./trackingDatabase";
import { TrackingServer } from "./hosting/vmTrackingServer";

export interface MlflowLabArgs {
  /** The validated lab configuration (see loadLabConfig). */
  readonly config: LabConfig<pulumi.Output<string>>;
}


/** What the VM's cloud-init needs for TLS, for each TLS mode. */
function serverTls(tls: LabConfig<pulumi.Output<string>>["server"]["tls"], labCa: LabCertificateAuthority | undefined): pulumi.Output<VmTls> {
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
    const { config } = args;
    const childOpts = { parent: this };
    const direct = config.objectStore.artifactMode === "direct";

    const artifacts = new ArtifactStore(
      `${name}-artifacts`,
      {
        projectId: config.openstack.projectId,
        s3EndpointUrl: config.objectStore.s3EndpointUrl,
        region: config.objectStore.region,
        bucketName: config.objectStore.bucketName,
        bucketMode: config.objectStore.bucketMode,
        researcherCredential: direct,
      },
      childOpts,
    );
    const database = new TrackingDatabase(`${name}-database`, { lab: config.lab, database: config.database }, childOpts);
    const password = (role: string) =>
      pulumi.secret(new random.RandomPassword(`${name}-${role}`, { length: 32, special: false }, childOpts).result);
    const adminPassword = password("admin-password");
    const researcherPassword = password("researcher-password");
    const flaskSecretKey = password("flask-secret-key");

    const tlsConfig = config.server.tls;
    const labCa = tlsConfig.mode === "lab-ca" ? new LabCertificateAuthority(`${name}-ca`, { lab: config.lab, hostname: config.server.hostname }, childOpts) : undefined;
    const vmTls = serverTls(tlsConfig, labCa);

    const hostname = config.server.hostname;
    const launch: pulumi.Output<ServerLaunchSpec> = pulumi
      .all([database.backendStoreUri, database.authDatabaseUri, artifacts.bucketName, artifacts.serverCredential.accessKeyId, artifacts.serverCredential.secretAccessKey, adminPassword, researcherPassword, flaskSecretKey])
      .apply(([backendStoreUri, authDatabaseUri, bucket, accessKeyId, secretAccessKey, admin, researcher, flask]) => ({
        lab: config.lab,
        layout: VM_LAYOUT,
        ...SERVER_DEFAULTS,
        allowedHosts: [hostname, `${hostname}:443`],
        backendStoreUri,
        authDatabaseUri,
        artifacts: direct ? { mode: "direct" as const, root: `s3://${bucket}/artifacts` } : { mode: "proxied" as const, destination: `s3://${bucket}/artifacts` },
        s3: { endpointUrl: config.objectStore.s3EndpointUrl, accessKeyId, secretAccessKey, region: config.objectStore.region },
        admin: { username: ADMIN_USERNAME, password: admin },
        researcher: { username: config.lab, password: researcher },
        flaskSecretKey: flask,
      }));

    const server = new TrackingServer(
      `${name}-server`,
      {
        hostname,
        image: config.openstack.image,
        flavor: config.openstack.flavor,
        network: config.openstack.network,
        externalNetwork: config.openstack.externalNetwork,
        keyPair: config.openstack.keyPair,
        adminCidr: config.openstack.adminCidr,
        labCidrs: config.openstack.labCidrs,
        dataVolumeSizeGiB: config.openstack.dataVolumeSizeGiB,
        mlflowVersion: config.server.mlflowVersion,
        launch: pulumi.secret(launch),
        database:
          config.database.mode === "vm"
            ? {
                mode: "vm",
                settings: database.password.apply((dbPassword) => ({
                  role: database.roleName,
                  password: dbPassword,
                  trackingDatabase: database.trackingDatabaseName,
                  authDatabase: database.authDatabaseName,
                })),
              }
            : { mode: "existing" },
        tls: pulumi.secret(vmTls),
      },
      childOpts,
    );

    const researcherCredential = artifacts.researcherCredential;
    this.labValues = pulumi.secret(
      pulumi
        .all([researcherPassword, labCa?.caCertPem, artifacts.bucketName, researcherCredential?.accessKeyId, researcherCredential?.secretAccessKey])
        .apply(([researcher, caCertPem, bucket, accessKeyId, secretAccessKey]) =>
          labValuesFor(config, {
            trackingUri: server.trackingUrl,
            researcherPassword: researcher,
            ...(caCertPem !== undefined ? { caCertPem } : {}),
            ...(accessKeyId !== undefined && secretAccessKey !== undefined ? { directArtifacts: { bucket, accessKeyId, secretAccessKey } } : {}),
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
        researchers: config.runai.researchers,
      },
      childOpts,
    );

    this.trackingUrl = server.trackingUrl;
    this.floatingIp = server.floatingIp;
    this.bucketName = artifacts.bucketName;
    this.namespace = runai.namespace;
    this.registerOutputs({ labValues: this.labValues, trackingUrl: this.trackingUrl, floatingIp: this.floatingIp, bucketName: this.bucketName, namespace: this.namespace });
  }
}
