import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { parseLabValues, type LabValues } from "../model/labValues";
import { ValidationError } from "../model/validation";
import { renderBundle } from "../templates/researcher/bundle";
import { readLabKeys } from "../io/stackFile";
import { shellcheck } from "./helpers/bash";
import { minimalRawConfig } from "./helpers/labConfig";
import { evaluate, isSecretInput, named, ofType, plain, unwrap } from "./helpers/pulumiMocks";


describe("the example stack", () => {
  it("creates exactly these resources, each under its component", async () => {
    const evaluation = await evaluate(readLabKeys("example"));
    const tree = evaluation.resources.map((r) => `${r.parent ?? "-"} > ${r.type} ${r.name}${r.readId ? " (read)" : ""}`).sort();
    expect(tree).toEqual([
      "- > mlflow-lab:lab:MlflowLab ocean-lab",
      "ocean-lab > mlflow-lab:artifacts:ArtifactStore ocean-lab-artifacts",
      "ocean-lab > mlflow-lab:database:TrackingDatabase ocean-lab-database",
      "ocean-lab > mlflow-lab:runai:RunaiProject ocean-lab-runai",
      "ocean-lab > mlflow-lab:server:TrackingServer ocean-lab-server",
      "ocean-lab > mlflow-lab:tls:LabCertificateAuthority ocean-lab-ca",
      "ocean-lab > pulumi-nodejs:dynamic/mlflow-lab:LabMember ocean-lab-member-ada",
      "ocean-lab > pulumi-nodejs:dynamic/mlflow-lab:LabMember ocean-lab-member-grace",
      "ocean-lab > random:index/randomPassword:RandomPassword ocean-lab-admin-password",
      "ocean-lab > random:index/randomPassword:RandomPassword ocean-lab-backup-cipher",
      "ocean-lab > random:index/randomPassword:RandomPassword ocean-lab-flask-secret-key",
      "ocean-lab > random:index/randomPassword:RandomPassword ocean-lab-member-ada-password",
      "ocean-lab > random:index/randomPassword:RandomPassword ocean-lab-member-grace-password",
      "ocean-lab > random:index/randomPassword:RandomPassword ocean-lab-researcher-password",
      "ocean-lab-artifacts > aws:s3/bucket:Bucket ocean-lab-artifacts-bucket",
      "ocean-lab-artifacts > aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration ocean-lab-artifacts-noncurrent-expiry",
      "ocean-lab-artifacts > aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock ocean-lab-artifacts-public-access-block",
      "ocean-lab-artifacts > aws:s3/bucketVersioning:BucketVersioning ocean-lab-artifacts-versioning",
      "ocean-lab-artifacts > openstack:identity/ec2CredentialV3:Ec2CredentialV3 ocean-lab-artifacts-server-credential",
      "ocean-lab-artifacts > pulumi:providers:aws ocean-lab-artifacts-s3",
      "ocean-lab-ca > tls:index/certRequest:CertRequest ocean-lab-ca-server-request",
      "ocean-lab-ca > tls:index/locallySignedCert:LocallySignedCert ocean-lab-ca-server-certificate",
      "ocean-lab-ca > tls:index/privateKey:PrivateKey ocean-lab-ca-ca-key",
      "ocean-lab-ca > tls:index/privateKey:PrivateKey ocean-lab-ca-server-key",
      "ocean-lab-ca > tls:index/selfSignedCert:SelfSignedCert ocean-lab-ca-ca",
      "ocean-lab-database > random:index/randomPassword:RandomPassword ocean-lab-database-password",
      "ocean-lab-runai > kubernetes:core/v1:ConfigMap ocean-lab-runai-ca",
      "ocean-lab-runai > kubernetes:core/v1:ConfigMap ocean-lab-runai-job-template",
      "ocean-lab-runai > kubernetes:core/v1:Namespace ocean-lab-runai-namespace (read)",
      "ocean-lab-runai > kubernetes:core/v1:Secret ocean-lab-runai-env",
      "ocean-lab-runai > kubernetes:rbac.authorization.k8s.io/v1:Role ocean-lab-runai-job-submitter",
      "ocean-lab-runai > kubernetes:rbac.authorization.k8s.io/v1:RoleBinding ocean-lab-runai-researchers",
      "ocean-lab-runai > pulumi:providers:kubernetes ocean-lab-runai-provider",
      "ocean-lab-server > openstack:blockstorage/volume:Volume ocean-lab-server-data",
      "ocean-lab-server > openstack:compute/instance:Instance ocean-lab-server-vm",
      "ocean-lab-server > openstack:compute/volumeAttach:VolumeAttach ocean-lab-server-data-attachment",
      "ocean-lab-server > openstack:networking/floatingIp:FloatingIp ocean-lab-server-floating-ip",
      "ocean-lab-server > openstack:networking/floatingIpAssociate:FloatingIpAssociate ocean-lab-server-floating-ip-association",
      "ocean-lab-server > openstack:networking/port:Port ocean-lab-server-port",
      "ocean-lab-server > openstack:networking/secGroup:SecGroup ocean-lab-server-secgroup",
      "ocean-lab-server > openstack:networking/secGroupRule:SecGroupRule ocean-lab-server-https-0",
      "ocean-lab-server > openstack:networking/secGroupRule:SecGroupRule ocean-lab-server-https-1",
      "ocean-lab-server > openstack:networking/secGroupRule:SecGroupRule ocean-lab-server-ssh",
    ]);
  });

  it("exports labValues as a secret that renders a valid bundle", async () => {
    const evaluation = await evaluate(readLabKeys("example"));
    expect(await pulumi.isSecret(pulumi.output(evaluation.outputs.labValues))).toBe(true);
    const values = parseLabValues(await unwrap<LabValues>(evaluation.outputs.labValues));
    expect(values).toMatchObject({
      lab: "ocean-lab",
      trackingUri: "https://mlflow.ocean-lab.example.org",
      tracking: { username: "ocean-lab", password: "fakeoceanlabresearcherpassword" },
      experimentName: "ocean-currents",
      artifacts: { mode: "proxied" },
      runai: { project: "ocean", kubeContext: "runai-cluster", envSecretName: "mlflow-ocean-lab-env", gpus: 0.5, cpu: "4", memory: "16Gi", interactive: false },
      slurm: { jobName: "mlflow-ocean-lab", partition: "gpu", cpusPerTask: 8, mem: "32G", time: "02:00:00", gpus: 1, extraEnvironment: { OMP_NUM_THREADS: "8" } },
      offline: { sqliteDbPath: "/scratch/ocean/mlflow.db", artifactsPath: "/scratch/ocean/artifacts" },
    });
    expect(values.tls?.caCertPem).toContain("fake-ocean-lab-ca-ca");
    expect(renderBundle(values, "/srv/bundle").map((f) => f.name)).toContain("lab-ca.pem");
    expect(evaluation.outputs).toHaveProperty("trackingUrl", "https://mlflow.ocean-lab.example.org");
    expect(await unwrap(evaluation.outputs.namespace)).toBe("runai-ocean");
    expect(await unwrap(evaluation.outputs.bucket)).toBe("mlflow-ocean-lab");
  });
});

describe("TrackingServer", () => {
  it("opens 443 to each lab CIDR and 22 to the admin CIDR, and nothing else", async () => {
    const evaluation = await evaluate();
    const rules = ofType(evaluation, "openstack:networking/secGroupRule:SecGroupRule").map((r) => ({ name: r.name, ...r.inputs }));
    expect(rules).toEqual([
      { name: "ocean-lab-server-https-0", securityGroupId: "ocean-lab-server-secgroup-id", direction: "ingress", ethertype: "IPv4", protocol: "tcp", portRangeMin: 443, portRangeMax: 443, remoteIpPrefix: "203.0.113.0/24" },
      { name: "ocean-lab-server-https-1", securityGroupId: "ocean-lab-server-secgroup-id", direction: "ingress", ethertype: "IPv6", protocol: "tcp", portRangeMin: 443, portRangeMax: 443, remoteIpPrefix: "2001:db8::/48" },
      { name: "ocean-lab-server-ssh", securityGroupId: "ocean-lab-server-secgroup-id", direction: "ingress", ethertype: "IPv4", protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "198.51.100.7/32" },
    ]);
  });

  it("attaches the port to the configured network and the floating IP to the port", async () => {
    const evaluation = await evaluate();
    expect(named(evaluation, "ocean-lab-server-port").inputs).toMatchObject({
      networkId: "network-id-of-def-ocean-network",
      securityGroupIds: ["ocean-lab-server-secgroup-id"],
      adminStateUp: true,
    });
    expect(named(evaluation, "ocean-lab-server-floating-ip").inputs).toEqual({ pool: "Public-Network" });
    expect(named(evaluation, "ocean-lab-server-floating-ip-association").inputs).toEqual({ floatingIp: "192.0.2.10", portId: "ocean-lab-server-port-id" });
    expect(named(evaluation, "ocean-lab-server-data").inputs).toMatchObject({ size: 50 });
    expect(named(evaluation, "ocean-lab-server-data-attachment").inputs).toEqual({ instanceId: "ocean-lab-server-vm-id", volumeId: "ocean-lab-server-data-id" });
  });

  it("hands the VM a secret cloud-init that passes cloud-init schema and shellcheck", async () => {
    const evaluation = await evaluate();
    const vm = named(evaluation, "ocean-lab-server-vm");
    expect(vm.inputs).toMatchObject({ imageName: "Ubuntu-24.04-Noble-x64-2024-06", flavorName: "p4-6gb", keyPair: "ocean-admin", networks: [{ port: "ocean-lab-server-port-id" }] });
    expect(isSecretInput(vm.inputs.userData)).toBe(true);
    const userData = plain(vm.inputs.userData) as string;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloud-init-"));
    fs.writeFileSync(path.join(dir, "user-data"), userData);
    const schema = spawnSync("cloud-init", ["schema", "--config-file", path.join(dir, "user-data")], { encoding: "utf8" });
    expect(schema.stdout + schema.stderr).toContain("Valid cloud-config");
    expect(schema.status).toBe(0);

    const document = yaml.load(userData.replace(/^#cloud-config\n/, "")) as { packages: string[]; write_files: { path: string; content: string; permissions: string; owner: string }[]; runcmd: string[][] };
    expect(document.packages).toEqual(["nginx", "python3-venv", "postgresql", "pgbackrest", "curl"]);
    const files = Object.fromEntries(document.write_files.map((f) => [f.path, f]));
    for (const script of [
      "/opt/mlflow/bin/mlflow-bootstrap", "/opt/mlflow/bin/mlflow-server", "/opt/mlflow/bin/mlflow-migrate", "/opt/mlflow/bin/mlflow-create-researcher", "/etc/mlflow/server.env",
      "/opt/mlflow/bin/mlflow-upgrade", "/opt/mlflow/bin/mlflow-backup", "/opt/mlflow/bin/mlflow-backups", "/opt/mlflow/bin/mlflow-restore", "/opt/mlflow/bin/mlflow-restore-artifacts",
    ]) {
      const file = path.join(dir, path.basename(script));
      fs.writeFileSync(file, files[script].content);
      expect(shellcheck(file), script).toBe("");
    }
    expect(files["/etc/mlflow/server.env"].permissions).toBe("0600");
    expect(files["/etc/mlflow/basic_auth.ini"].permissions).toBe("0600");
    expect(files["/etc/mlflow/tls/server.key"].permissions).toBe("0600");
    expect(files["/opt/mlflow/bin/mlflow-upgrade"].content).toContain("TARGET_VERSION='3.17.2'");
    expect(files["/etc/pgbackrest/pgbackrest.conf"]).toMatchObject({ permissions: "0640", owner: "root:postgres" });
    expect(files["/etc/pgbackrest/pgbackrest.conf"].content).toContain("repo1-cipher-pass=fakeoceanlabbackupcipher");
    expect(files["/opt/mlflow/bin/mlflow-bootstrap"].content).toContain("DATA_DEVICE='/dev/disk/by-id/virtio-ocean-lab-server-dat'");
    expect(files["/opt/mlflow/bin/mlflow-server"].content).toContain("--allowed-hosts 'mlflow.ocean-lab.example.org,mlflow.ocean-lab.example.org:443,127.0.0.1:5000,localhost:5000'");
    expect(files["/opt/mlflow/bin/mlflow-server"].content).toContain("--host '127.0.0.1'");
    expect(files["/etc/mlflow/server.env"].content).toContain("export MLFLOW_SERVER_ENABLE_JOB_EXECUTION='false'");
    expect(files["/etc/mlflow/server.env"].content).toContain("export MLFLOW_ARTIFACTS_DESTINATION='s3://mlflow-ocean-lab/artifacts'");
    expect(files["/etc/mlflow/basic_auth.ini"].content).toContain("default_permission = READ");
    expect(files["/etc/mlflow/basic_auth.ini"].content).toContain("admin_password = fakeoceanlabadminpassword");
    expect(files["/etc/nginx/sites-available/mlflow"].content).toContain("client_max_body_size 0;");
    expect(document.runcmd).toEqual([["/opt/mlflow/bin/mlflow-bootstrap"]]);
  });

  it("serves an institution's certificate and key, with no lab CA and no CA in the bundle", async () => {
    const certificate = "-----BEGIN CERTIFICATE-----\ninstitution\n-----END CERTIFICATE-----\n";
    const evaluation = await evaluate({ ...minimalRawConfig(), tlsMode: "institution", tlsCertificate: certificate }, { tlsPrivateKey: "-----BEGIN PRIVATE KEY-----\ninstitution-key\n-----END PRIVATE KEY-----\n" });
    expect(ofType(evaluation, "mlflow-lab:tls:LabCertificateAuthority")).toEqual([]);
    const files = (yaml.load(plain(named(evaluation, "ocean-lab-server-vm").inputs.userData) as string) as { write_files: { path: string; content: string; permissions: string }[] }).write_files;
    expect(files.find((f) => f.path === "/etc/mlflow/tls/server.crt")?.content).toBe(certificate);
    expect(files.find((f) => f.path === "/etc/mlflow/tls/server.key")).toMatchObject({ content: expect.stringContaining("institution-key"), permissions: "0600" });
    expect((await unwrap<LabValues>(evaluation.outputs.labValues)).tls).toBeUndefined();
  });

  it("requests a certificate by DNS-01 with the plugin's package and a private credentials file", async () => {
    const evaluation = await evaluate(
      { ...minimalRawConfig(), tlsMode: "acme-dns", acmeEmail: "admin@example.org", acmeDnsPlugin: "rfc2136" },
      { acmeDnsCredentials: "dns_rfc2136_secret = acme-secret" },
    );
    const document = yaml.load(plain(named(evaluation, "ocean-lab-server-vm").inputs.userData) as string) as { packages: string[]; write_files: { path: string; content: string; permissions: string }[] };
    expect(document.packages).toEqual(["nginx", "python3-venv", "postgresql", "pgbackrest", "curl", "certbot", "python3-certbot-dns-rfc2136"]);
    expect(document.write_files.find((f) => f.path === "/etc/mlflow/acme-dns.ini")).toEqual(expect.objectContaining({ content: "dns_rfc2136_secret = acme-secret", permissions: "0600" }));
    expect(document.write_files.find((f) => f.path === "/etc/nginx/sites-available/mlflow")?.content).toContain("ssl_certificate /etc/letsencrypt/live/mlflow.ocean-lab.example.org/fullchain.pem;");
  });

  it("never opens 5432, whatever the database mode", async () => {
    for (const config of [minimalRawConfig(), { ...minimalRawConfig(), databaseMode: "existing", databaseHost: "pg.example.org", databaseAdminUsername: "postgres" }]) {
      const secrets: Record<string, string> = config.databaseMode === "existing" ? { databaseAdminPassword: "admin-secret" } : {};
      const evaluation = await evaluate(config, secrets);
      const ports = ofType(evaluation, "openstack:networking/secGroupRule:SecGroupRule").map((r) => r.inputs.portRangeMin);
      expect(ports.sort()).toEqual([22, 443, 443]);
    }
  });
});

describe("TrackingDatabase", () => {
  const existing = { ...minimalRawConfig(), databaseMode: "existing", databaseHost: "pg.example.org", databaseAdminUsername: "postgres" };

  it("on an existing server creates the role, both databases and their grants, and no VM-local database", async () => {
    const evaluation = await evaluate(existing, { databaseAdminPassword: "admin-secret-value" });
    const provider = named(evaluation, "ocean-lab-database-provider");
    expect(provider.inputs).toMatchObject({ host: "pg.example.org", port: "5432", username: "postgres", sslmode: "require", superuser: "false" });
    expect(named(evaluation, "ocean-lab-database-role").inputs).toMatchObject({ name: "mlflow_ocean_lab", login: true });
    expect(isSecretInput(named(evaluation, "ocean-lab-database-role").inputs.password)).toBe(true);
    expect(named(evaluation, "ocean-lab-database-tracking").inputs).toMatchObject({ name: "mlflow_ocean_lab", owner: "mlflow_ocean_lab" });
    expect(named(evaluation, "ocean-lab-database-auth").inputs).toMatchObject({ name: "mlflow_ocean_lab_auth", owner: "mlflow_ocean_lab" });
    const grants = ofType(evaluation, "postgresql:index/grant:Grant").map((g) => [g.name, g.inputs.database, g.inputs.role, g.inputs.objectType, g.inputs.privileges]);
    expect(grants.sort()).toEqual([
      ["ocean-lab-database-auth-grant", "mlflow_ocean_lab_auth", "mlflow_ocean_lab", "database", ["CONNECT", "CREATE", "TEMPORARY"]],
      ["ocean-lab-database-auth-revoke-public", "mlflow_ocean_lab_auth", "public", "database", []],
      ["ocean-lab-database-tracking-grant", "mlflow_ocean_lab", "mlflow_ocean_lab", "database", ["CONNECT", "CREATE", "TEMPORARY"]],
      ["ocean-lab-database-tracking-revoke-public", "mlflow_ocean_lab", "public", "database", []],
    ]);
    expect(ofType(evaluation, "openstack:blockstorage/volume:Volume")).toEqual([]);
    expect(ofType(evaluation, "openstack:compute/volumeAttach:VolumeAttach")).toEqual([]);
    const userData = plain(named(evaluation, "ocean-lab-server-vm").inputs.userData) as string;
    expect((yaml.load(userData) as { packages: string[] }).packages).not.toContain("postgresql");
    expect(userData).toContain("postgresql+psycopg2://mlflow_ocean_lab:fakeoceanlabdatabasepassword@pg.example.org:5432/mlflow_ocean_lab?sslmode=require");
    expect(userData).not.toContain("DATA_DEVICE='");
    const bootstrap = (yaml.load(userData) as { write_files: { path: string; content: string }[] }).write_files.find((f) => f.path.endsWith("mlflow-bootstrap"));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bootstrap-")), "mlflow-bootstrap");
    fs.writeFileSync(file, bootstrap?.content ?? "");
    expect(shellcheck(file)).toBe("");
  });

  it("keeps the admin password secret on its way to the provider", async () => {
    const evaluation = await evaluate(existing, { databaseAdminPassword: "admin-secret-value" });
    expect(JSON.stringify(evaluation.resources.map((r) => r.inputs))).not.toMatch(/"password":"admin-secret-value"/);
    expect(plain(named(evaluation, "ocean-lab-database-provider").inputs.password)).toBe("admin-secret-value");
  });
});

describe("ArtifactStore", () => {
  it("in proxied mode issues one credential, used only by the S3 provider, kept secret", async () => {
    const evaluation = await evaluate();
    expect(ofType(evaluation, "openstack:identity/ec2CredentialV3:Ec2CredentialV3").map((r) => [r.name, r.inputs])).toEqual([
      ["ocean-lab-artifacts-server-credential", { projectId: "0123456789abcdef0123456789abcdef" }],
    ]);
    const provider = named(evaluation, "ocean-lab-artifacts-s3");
    expect(isSecretInput(provider.inputs.accessKey)).toBe(true);
    expect(isSecretInput(provider.inputs.secretKey)).toBe(true);
    expect(plain(provider.inputs)).toMatchObject({
      region: "us-east-1",
      s3UsePathStyle: "true",
      skipCredentialsValidation: "true",
      skipMetadataApiCheck: "true",
      skipRegionValidation: "true",
      skipRequestingAccountId: "true",
      endpoints: JSON.stringify([{ s3: "https://object-arbutus.example.org" }]),
    });
    expect(named(evaluation, "ocean-lab-artifacts-bucket").inputs).toEqual({ bucket: "mlflow-ocean-lab", forceDestroy: false });
    expect(named(evaluation, "ocean-lab-artifacts-public-access-block").inputs).toEqual({
      bucket: "mlflow-ocean-lab", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    const values = await unwrap<LabValues>(evaluation.outputs.labValues);
    expect(values.artifacts).toEqual({ mode: "proxied" });
  });

  it("in direct mode issues a second credential for researchers and hands it over in labValues", async () => {
    const evaluation = await evaluate({ ...minimalRawConfig(), artifactMode: "direct" });
    expect(ofType(evaluation, "openstack:identity/ec2CredentialV3:Ec2CredentialV3").map((r) => r.name)).toEqual([
      "ocean-lab-artifacts-server-credential",
      "ocean-lab-artifacts-researcher-credential",
    ]);
    const userData = plain(named(evaluation, "ocean-lab-server-vm").inputs.userData) as string;
    expect(userData).toContain("export MLFLOW_DEFAULT_ARTIFACT_ROOT='s3://mlflow-ocean-lab/artifacts'");
    expect(userData).toContain("--no-serve-artifacts");
    expect(userData).not.toContain("MLFLOW_ARTIFACTS_DESTINATION");
    const values = await unwrap<LabValues>(evaluation.outputs.labValues);
    expect(values.artifacts).toEqual({
      mode: "direct",
      s3EndpointUrl: "https://object-arbutus.example.org",
      bucket: "mlflow-ocean-lab",
      accessKeyId: "fake-access-ocean-lab-artifacts-researcher-credential",
      secretAccessKey: "fake-secret-ocean-lab-artifacts-researcher-credential",
      region: "us-east-1",
    });
  });

  it("turns proxied multipart uploads off when configured, in labValues and the Run:ai Secret", async () => {
    const on = await evaluate();
    expect(plain(named(on, "ocean-lab-runai-env").inputs.stringData)).toHaveProperty("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "true");
    const off = await evaluate({ ...minimalRawConfig(), artifactMultipartUpload: "false" });
    expect((await unwrap<LabValues>(off.outputs.labValues)).artifacts).toEqual({ mode: "proxied", multipartUpload: false });
    expect(plain(named(off, "ocean-lab-runai-env").inputs.stringData)).not.toHaveProperty("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD");
  });

  it("keeps uploads on the server when the object store has a private CA", async () => {
    // Researchers' machines would meet that CA at the presigned URLs, and the bundle does not carry it.
    const objectStoreCaCert = "-----BEGIN CERTIFICATE-----\nprivate-object-store\n-----END CERTIFICATE-----\n";
    const evaluation = await evaluate({ ...minimalRawConfig(), objectStoreCaCert });
    expect((await unwrap<LabValues>(evaluation.outputs.labValues)).artifacts).toEqual({ mode: "proxied", multipartUpload: false });
    expect(plain(named(evaluation, "ocean-lab-runai-env").inputs.stringData)).not.toHaveProperty("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD");
  });

  it("adopts an existing bucket by reading it, and changes nothing about it", async () => {
    const evaluation = await evaluate({ ...minimalRawConfig(), bucketMode: "adopt", bucketName: "shared-ocean" });
    expect(named(evaluation, "ocean-lab-artifacts-bucket").readId).toBe("shared-ocean");
    expect(ofType(evaluation, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")).toEqual([]);
  });
});

describe("RunaiProject", () => {
  it("puts the MLflow environment in a secret Secret, the same variables as mlflow_env.sh but the pod's CA path", async () => {
    const evaluation = await evaluate();
    const secret = named(evaluation, "ocean-lab-runai-env");
    expect(isSecretInput(secret.inputs.stringData)).toBe(true);
    expect(plain(secret.inputs)).toMatchObject({
      metadata: { name: "mlflow-ocean-lab-env", namespace: "runai-ocean-lab" },
      stringData: {
        MLFLOW_TRACKING_URI: "https://mlflow.ocean-lab.example.org",
        MLFLOW_TRACKING_USERNAME: "ocean-lab",
        MLFLOW_TRACKING_PASSWORD: "fakeoceanlabresearcherpassword",
        MLFLOW_TRACKING_SERVER_CERT_PATH: "/etc/mlflow-lab/ca.pem",
      },
    });
  });

  it("publishes the Job template and the CA in ConfigMaps, and a Role for job submission", async () => {
    const evaluation = await evaluate();
    const template = named(evaluation, "ocean-lab-runai-job-template").inputs as { data: Record<string, string> };
    const job = yaml.load(template.data["kubernetes_job_template.yaml"]) as { metadata: { namespace: string }; spec: { template: { spec: { schedulerName: string } } } };
    expect(job.metadata.namespace).toBe("runai-ocean-lab");
    expect(job.spec.template.spec.schedulerName).toBe("runai-scheduler");
    expect(named(evaluation, "ocean-lab-runai-ca").inputs).toMatchObject({ metadata: { name: "mlflow-ocean-lab-env-ca" } });
    expect(named(evaluation, "ocean-lab-runai-job-submitter").inputs).toMatchObject({
      rules: [
        { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "delete"] },
        { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] },
      ],
    });
    expect(ofType(evaluation, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")).toEqual([]);
  });

  it("creates the namespace when asked, binds the listed researchers, and uses the configured context", async () => {
    const evaluation = await evaluate({ ...minimalRawConfig(), runaiNamespaceMode: "create", runaiResearchers: '["alice"]', runaiKubeContext: "gpu-cluster" });
    expect(named(evaluation, "ocean-lab-runai-namespace").readId).toBeUndefined();
    expect(named(evaluation, "ocean-lab-runai-namespace").inputs).toMatchObject({ metadata: { name: "runai-ocean-lab" } });
    expect(named(evaluation, "ocean-lab-runai-researchers").inputs).toMatchObject({
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }],
      roleRef: { kind: "Role", name: "mlflow-job-submitter" },
    });
    expect(named(evaluation, "ocean-lab-runai-provider").inputs).toMatchObject({ context: "gpu-cluster" });
  });
});

describe("members", () => {
  it("get an account each through the auth API once the server exists, a bundle login each, and a Run:ai binding", async () => {
    const evaluation = await evaluate({ ...minimalRawConfig(), members: '["ada","grace"]', runaiResearchers: '["ada","ops@example.org"]' });
    const ada = named(evaluation, "ocean-lab-member-ada");
    expect(ada.type).toBe("pulumi-nodejs:dynamic/mlflow-lab:LabMember");
    // The member's and the admin's passwords travel as secrets into the resource's state.
    expect(isSecretInput(ada.inputs.member)).toBe(true);
    expect(isSecretInput(ada.inputs.server)).toBe(true);
    const adaInputs = plain(ada.inputs) as { member: { username: string; password: string }; server: { url: string; admin: { username: string } } };
    expect(adaInputs.member.username).toBe("ada");
    expect(adaInputs.server).toMatchObject({ url: "https://mlflow.ocean-lab.example.org", admin: { username: "admin" } });

    const values = await unwrap<LabValues>(evaluation.outputs.labValues);
    expect(values.members?.map((member) => member.username)).toEqual(["ada", "grace"]);
    expect(values.members?.[0].password).toBe(adaInputs.member.password);
    expect(new Set(values.members?.map((member) => member.password)).size).toBe(2);
    // Members first, then cluster identities that are not members, each once.
    expect((named(evaluation, "ocean-lab-runai-researchers").inputs as { subjects: { name: string }[] }).subjects.map((subject) => subject.name)).toEqual(["ada", "grace", "ops@example.org"]);
  });

  it("are refused when they name the admin or the job account, or repeat", async () => {
    for (const [members, fragment] of [['["admin"]', "must not list admin"], ['["ocean-lab"]', "must not list ocean-lab"], ['["ada","ada"]', "must not list a member twice"], ['["ada/../x"]', "must be a username"]] as const) {
      const caught = await evaluate({ ...minimalRawConfig(), members }).catch((error: unknown) => error);
      expect(caught).toBeInstanceOf(ValidationError);
      const problem = (caught as ValidationError).problems.find((entry) => entry.path === "mlflow-lab:members");
      expect(problem?.message, members).toContain(fragment);
    }
  });
});

describe("bad config", () => {
  it("fails before any resource exists, naming every bad key", async () => {
    let caught: unknown;
    const evaluation = await evaluate({ ...minimalRawConfig(), slurmTime: "soon", adminCidr: "everyone" }).catch((error: unknown) => {
      caught = error;
      return undefined;
    });
    expect(evaluation).toBeUndefined();
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).problems.map((p) => p.path).sort()).toEqual(["mlflow-lab:adminCidr", "mlflow-lab:slurmTime"]);
  });
});
