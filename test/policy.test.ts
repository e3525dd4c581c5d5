import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { readLabKeys } from "../io/stackFile";
import {
  backupsConfigured,
  cloudInitPinsSafeMlflow,
  noAllPortsIngress,
  noDatabaseIngress,
  noLiteralCredentials,
  noPublicBucket,
  noWorldIngressExceptHttps,
  RESOURCE_RULES,
  runaiLimitsRequired,
  runaiSchedulerRequired,
  type PolicyResource,
} from "../policy/rules";
import { evaluate, plain } from "./helpers/pulumiMocks";

const ingressRule = (props: Record<string, unknown> = {}): PolicyResource => ({
  type: "openstack:networking/secGroupRule:SecGroupRule",
  name: "lab-https",
  props: { direction: "ingress", ethertype: "IPv4", protocol: "tcp", portRangeMin: 443, portRangeMax: 443, remoteIpPrefix: "203.0.113.0/24", ...props },
});

const runaiJob = (mutate: (job: any) => void = () => undefined): PolicyResource => {
  const job: any = {
    metadata: { name: "train", namespace: "runai-ocean" },
    spec: {
      template: {
        spec: {
          schedulerName: "runai-scheduler",
          containers: [{ name: "main", envFrom: [{ secretRef: { name: "mlflow-env" } }], env: [{ name: "EPOCHS", value: "3" }], resources: { limits: { cpu: "4", memory: "16Gi" } } }],
        },
      },
    },
  };
  mutate(job);
  return { type: "kubernetes:batch/v1:Job", name: "train", props: job };
};

const bucket = (props: Record<string, unknown> = {}): PolicyResource => ({ type: "aws:s3/bucket:Bucket", name: "lab-bucket", props: { bucket: "mlflow-ocean", ...props } });

const instance = (userData: string): PolicyResource => ({ type: "openstack:compute/instance:Instance", name: "lab-vm", props: { userData } });
const GOOD_USER_DATA = "#cloud-config\nTARGET_VERSION='3.17.2'\npip install mlflow[auth]==$version\nexport MLFLOW_SERVER_ENABLE_JOB_EXECUTION='false'\n";

describe("security group rules", () => {
  it("pass the lab's own rules", () => {
    for (const rule of [noWorldIngressExceptHttps, noAllPortsIngress, noDatabaseIngress]) {
      expect(rule.check(ingressRule())).toEqual([]);
      expect(rule.check(ingressRule({ remoteIpPrefix: "0.0.0.0/0" }))).toEqual([]);
    }
  });

  it("no-world-ingress-except-https: SSH open to the world", () => {
    expect(noWorldIngressExceptHttps.check(ingressRule({ remoteIpPrefix: "0.0.0.0/0", portRangeMin: 22, portRangeMax: 22 }))).toEqual([
      "lab-https: ingress from 0.0.0.0/0 on ports 22-22; only 443 may be open to the world. Restrict remoteIpPrefix to the lab's CIDRs.",
    ]);
    expect(noWorldIngressExceptHttps.check(ingressRule({ remoteIpPrefix: "::/0", portRangeMin: 80, portRangeMax: 443 }))).toHaveLength(1);
  });

  it("no-all-ports-ingress: a 0-0 range", () => {
    expect(noAllPortsIngress.check(ingressRule({ portRangeMin: 0, portRangeMax: 0 }))).toEqual([
      "lab-https: ingress without a port range opens every port; set portRangeMin and portRangeMax.",
    ]);
    expect(noAllPortsIngress.check(ingressRule({ portRangeMin: undefined, portRangeMax: undefined }))).toHaveLength(1);
  });

  it("no-database-port-ingress: 5432 from a CIDR, or a range that covers 3306", () => {
    expect(noDatabaseIngress.check(ingressRule({ portRangeMin: 5432, portRangeMax: 5432 }))).toEqual([
      "lab-https: ingress from 203.0.113.0/24 reaches database port 5432; the database stays on loopback or a private network.",
    ]);
    expect(noDatabaseIngress.check(ingressRule({ portRangeMin: 3000, portRangeMax: 4000 }))).toEqual([
      "lab-https: ingress from 203.0.113.0/24 reaches database port 3306; the database stays on loopback or a private network.",
    ]);
  });
});

describe("Run:ai workloads", () => {
  it("pass a well-formed Job", () => {
    for (const rule of [runaiSchedulerRequired, runaiLimitsRequired, noLiteralCredentials]) expect(rule.check(runaiJob())).toEqual([]);
  });

  it("runai-scheduler-required: the default scheduler", () => {
    expect(runaiSchedulerRequired.check(runaiJob((job) => delete job.spec.template.spec.schedulerName))).toEqual([
      "train: in runai-ocean but schedulerName is null; set it to runai-scheduler.",
    ]);
  });

  it("runai-cpu-memory-limits-required: no memory limit", () => {
    expect(runaiLimitsRequired.check(runaiJob((job) => delete job.spec.template.spec.containers[0].resources.limits.memory))).toEqual([
      "train: container main has no memory limit; set resources.limits.memory.",
    ]);
  });

  it("no-literal-credentials-in-env: an inlined password or access key", () => {
    expect(noLiteralCredentials.check(runaiJob((job) => job.spec.template.spec.containers[0].env.push({ name: "MLFLOW_TRACKING_PASSWORD", value: "x" })))).toEqual([
      "train: container main sets MLFLOW_TRACKING_PASSWORD as a literal; take it from a Secret (valueFrom.secretKeyRef or envFrom).",
    ]);
    expect(noLiteralCredentials.check(runaiJob((job) => job.spec.template.spec.containers[0].env.push({ name: "AWS_ACCESS_KEY_ID", value: "AKIA" })))).toHaveLength(1);
    const fromSecret = runaiJob((job) => job.spec.template.spec.containers[0].env.push({ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }));
    expect(noLiteralCredentials.check(fromSecret)).toEqual([]);
  });

  it("applies to the Job template published in a ConfigMap, and ignores other namespaces", () => {
    const job = runaiJob((j) => (j.spec.template.spec.schedulerName = "default-scheduler")).props;
    const configMap: PolicyResource = { type: "kubernetes:core/v1:ConfigMap", name: "tpl", props: { data: { "kubernetes_job_template.yaml": yaml.dump(job) } } };
    expect(runaiSchedulerRequired.check(configMap)).toEqual([
      'tpl (kubernetes_job_template.yaml): in runai-ocean but schedulerName is "default-scheduler"; set it to runai-scheduler.',
    ]);
    expect(runaiSchedulerRequired.check(runaiJob((j) => (j.metadata.namespace = "default") && delete j.spec.template.spec.schedulerName))).toEqual([]);
  });
});

describe("buckets", () => {
  it("pass a private bucket and a full public-access block", () => {
    expect(noPublicBucket.check(bucket())).toEqual([]);
  });

  it("no-public-bucket: a public-read ACL", () => {
    expect(noPublicBucket.check(bucket({ acl: "public-read" }))).toEqual([
      "lab-bucket: ACL public-read makes the bucket public; remove it (buckets are private by default).",
    ]);
  });

  it("no-public-bucket: a policy allowing everyone", () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::mlflow-ocean/*" }] });
    expect(noPublicBucket.check({ type: "aws:s3/bucketPolicy:BucketPolicy", name: "lab-policy", props: { bucket: "mlflow-ocean", policy } })).toEqual([
      'lab-policy: the bucket policy allows Principal "*"; grant named principals only.',
    ]);
  });

  it("no-public-bucket: a public-access block switched off", () => {
    const block: PolicyResource = { type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name: "lab-block", props: { blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true, restrictPublicBuckets: true } };
    expect(noPublicBucket.check(block)).toEqual(["lab-block: blockPublicPolicy is false; keep every public-access block on."]);
  });
});

describe("the server's cloud-init", () => {
  it("passes a pinned, job-free MLflow", () => {
    expect(cloudInitPinsSafeMlflow.check(instance(GOOD_USER_DATA))).toEqual([]);
  });

  it("cloud-init-pins-safe-mlflow: an old MLflow", () => {
    expect(cloudInitPinsSafeMlflow.check(instance(GOOD_USER_DATA.replace("3.17.2", "2.22.0")))).toEqual([
      "lab-vm: user-data pins MLflow 2.22.0, below 3.11.0 (public CVEs); raise mlflowVersion.",
    ]);
  });

  it("cloud-init-pins-safe-mlflow: an unpinned MLflow", () => {
    expect(cloudInitPinsSafeMlflow.check(instance("#cloud-config\npip install mlflow\nexport MLFLOW_SERVER_ENABLE_JOB_EXECUTION='false'\n"))).toEqual([
      "lab-vm: user-data installs MLflow without pinning a version; pin 3.11.0 or later.",
    ]);
  });

  it("cloud-init-pins-safe-mlflow: job execution left on", () => {
    expect(cloudInitPinsSafeMlflow.check(instance(GOOD_USER_DATA.replace("'false'", "'true'")))).toEqual([
      "lab-vm: user-data does not set MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false; the tracking server must not execute jobs.",
    ]);
  });
});

describe("the example stack", () => {
  it("passes every mandatory rule, and its rendered user-data backs the database up", async () => {
    const raw = readLabKeys("example");
    const evaluation = await evaluate(raw);
    const resources: PolicyResource[] = evaluation.resources.map((r) => ({ type: r.type, name: r.name, props: plain(r.inputs) as Record<string, unknown> }));
    expect(resources.some((r) => r.type === "openstack:compute/instance:Instance" && typeof r.props.userData === "string")).toBe(true);
    for (const rule of RESOURCE_RULES) {
      expect(resources.flatMap((resource) => rule.check(resource)), rule.name).toEqual([]);
    }
    expect(backupsConfigured.check(resources)).toEqual([]);
  });

  it("backups-configured reads the rendered config: a user-data without pgBackRest's timers is reported", async () => {
    const evaluation = await evaluate(readLabKeys("example"));
    const resources: PolicyResource[] = evaluation.resources.map((r) => ({ type: r.type, name: r.name, props: plain(r.inputs) as Record<string, unknown> }));
    const stripped = resources.map((resource) =>
      resource.type === "openstack:compute/instance:Instance" ? { ...resource, props: { ...resource.props, userData: String(resource.props.userData).replace(/OnCalendar=/g, "Off=") } } : resource,
    );
    expect(backupsConfigured.check(stripped)).toEqual(["ocean-lab-server-vm: its database is not backed up: missing the mlflow-backup-full.timer, the mlflow-backup-diff.timer"]);
  });

  it("backups-configured asks for the operator's backups when the database is not on the VM", async () => {
    const evaluation = await evaluate({ ...readLabKeys("example"), databaseMode: "existing", databaseHost: "pg.example.org", databaseAdminUsername: "postgres" }, { databaseAdminPassword: "x" });
    const resources: PolicyResource[] = evaluation.resources.map((r) => ({ type: r.type, name: r.name, props: plain(r.inputs) as Record<string, unknown> }));
    expect(backupsConfigured.check(resources)[0]).toMatch(/does not manage: make sure its operator backs it up/);
  });
});
