/**
 * `npm run test:vm`: boots the user-data a lab stack renders in a real Debian 12 VM (QEMU; KVM
 * when it boots here, else TCG), with a second disk as the Cinder volume and versitygw on the
 * host as the object store, then checks the deployed lab from outside and survives its faults:
 * kill -9 of MLflow and Postgres, a reboot, a rebuild on the same volume, a late volume.
 * Cleans up every process and file it made; prints one summary line.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { evaluateProgram } from "../../engine/mockRuntime";
import { plain } from "../helpers/pulumiMocks";
import { readStackConfig } from "../../io/stackFile";
import { writeBundle } from "../../io/bundleWriter";
import { freePort, lastJsonLine, portAnswers, sleep, startDetached, stopGroup, waitFor } from "../../localLab/processes";
import { parseLabValues, type LabValues } from "../../model/labValues";
import { valuesForJobAccount, valuesForMember } from "../../model/members";
import { renderBundle } from "../../templates/researcher/bundle";
import { REPO_ROOT } from "../../engine/pulumiCli";
import { PYTHON } from "../../localLab/state";
import { POSTGRES_SETTINGS } from "../../templates/server/database";
import { quoteForBash } from "../../templates/shell";
import { type Checks, newChecks } from "./checks";
import { Vm } from "./qemu";
import { realComputedState } from "./realValues";

const E2E = path.join(REPO_ROOT, "test", "e2e");
const IMAGE_DIR = path.join(process.env.MLFLOW_LAB_CACHE ?? path.join(os.homedir(), ".cache", "mlflow-lab"), "vm", "debian12");
const HOSTNAME = "mlflow.ocean-lab.example.org";
const HTTPS_HOST = "127.0.0.2";
/** The test's object store as the guest knows it: a DNS name (pgBackRest checks names, not IPs) for the host. */
const OBJECT_STORE_NAME = "objects.vm-test.internal";
const FIRST_BOOT_TIMEOUT_MS = 120 * 60_000;
const REBOOT_TIMEOUT_MS = 45 * 60_000;
/** MLflow's four workers take minutes to start under TCG emulation. */
const SERVER_START_TIMEOUT_MS = 20 * 60_000;

const log = (line: string) => console.log(`[vm-test ${new Date().toISOString().slice(11, 19)}] ${line}`);

function run(command: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): { status: number | null; output: string } {
  const result = spawnSync(command, args, { input: options.input, env: options.env ?? process.env, encoding: "utf8", timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

class Lab {
  readonly work = fs.mkdtempSync(path.join(os.tmpdir(), "mlflow-lab-vm-"));
  readonly key = path.join(this.work, "id_ed25519");
  readonly hostsFile = path.join(this.work, "hosts");
  readonly bundleDir = path.join(this.work, "bundle");
  private s3Pid?: number;
  private tlsPid?: number;
  s3Port = 0;
  tlsPort = 0;
  readonly objectStoreCa = path.join(this.work, "object-store-ca.pem");
  readonly s3Keys = { accessKeyId: `vmtest${Math.random().toString(36).slice(2, 12)}`, secretAccessKey: `vmtest-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}` };
  vm!: Vm;
  values!: LabValues;
  userData = "";
  volumeSerial = "";

  ssh(command: string, timeoutMs = 120_000): { status: number | null; output: string } {
    return run("ssh", ["-i", this.key, "-p", String(this.vm.ports.ssh), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-o", "BatchMode=yes", "debian@127.0.0.1", command], { timeoutMs });
  }

  sshOk(command: string, timeoutMs?: number): string {
    const result = this.ssh(command, timeoutMs);
    if (result.status !== 0) throw new Error(`${command}: exit ${result.status}\n${result.output.slice(-2000)}`);
    return result.output;
  }

  /** Runs a researcher's command with the lab's hostname resolving to the forwarded 443, in a private mount namespace. */
  researcher(command: string, bundleDir = this.bundleDir): { status: number | null; output: string } {
    const script = `mount --bind ${this.hostsFile} /etc/hosts && source ${path.join(bundleDir, "mlflow_env.sh")} && ${command}`;
    return run("unshare", ["--mount", "bash", "-c", script], { env: { PATH: process.env.PATH, HOME: this.work } });
  }

  /**
   * The lab's object store on the host: versitygw (versioned), behind TLS for a DNS name with a
   * CA of the test's own, as an institution's Ceph RGW with a private CA would be. The guest
   * reaches the host's loopback as 10.0.2.2 through QEMU's user network.
   */
  async startObjectStore(): Promise<void> {
    this.s3Port = await freePort();
    this.tlsPort = await freePort();
    const data = path.join(this.work, "s3");
    const versions = path.join(this.work, "s3-versions");
    fs.mkdirSync(data);
    fs.mkdirSync(versions);
    this.s3Pid = startDetached(path.join(REPO_ROOT, ".lab", "bin", "versitygw"), ["--port", `127.0.0.1:${this.s3Port}`, "--region", "us-east-1", "--quiet", "posix", "--versioning-dir", versions, data], path.join(this.work, "versitygw.log"), {
      env: { ...process.env, ROOT_ACCESS_KEY_ID: this.s3Keys.accessKeyId, ROOT_SECRET_ACCESS_KEY: this.s3Keys.secretAccessKey },
    });
    const key = path.join(this.work, "objects.key");
    const cert = path.join(this.work, "objects.pem");
    const caKey = path.join(this.work, "object-store-ca.key");
    const openssl = (...args: string[]) => {
      const made = run("openssl", args);
      if (made.status !== 0) throw new Error(`openssl ${args[0]}: ${made.output}`);
    };
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey, "-out", this.objectStoreCa, "-subj", "/CN=vm-test object store CA", "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", `${cert}.csr`, "-subj", `/CN=${OBJECT_STORE_NAME}`);
    fs.writeFileSync(`${cert}.ext`, `subjectAltName=DNS:${OBJECT_STORE_NAME}\nextendedKeyUsage=serverAuth\n`);
    openssl("x509", "-req", "-in", `${cert}.csr`, "-CA", this.objectStoreCa, "-CAkey", caKey, "-CAcreateserial", "-days", "2", "-extfile", `${cert}.ext`, "-out", cert);
    this.tlsPid = startDetached("socat", [`OPENSSL-LISTEN:${this.tlsPort},bind=127.0.0.1,reuseaddr,fork,cert=${cert},key=${key},verify=0`, `TCP:127.0.0.1:${this.s3Port}`], path.join(this.work, "socat.log"));
    await waitFor("versitygw", () => portAnswers(this.s3Port), 30_000);
    await waitFor("the object store's TLS front", () => portAnswers(this.tlsPort), 30_000);
  }

  /** cloud-init vendor-data: the cloud's DNS answer for the object store's name. */
  vendorData(): string {
    return `#cloud-config\nbootcmd:\n  - grep -q ' ${OBJECT_STORE_NAME}$' /etc/hosts || echo '10.0.2.2 ${OBJECT_STORE_NAME}' >> /etc/hosts\n`;
  }

  s3Environment(): Record<string, string> {
    return { PATH: process.env.PATH ?? "", MLFLOW_S3_ENDPOINT_URL: `http://127.0.0.1:${this.s3Port}`, AWS_ACCESS_KEY_ID: this.s3Keys.accessKeyId, AWS_SECRET_ACCESS_KEY: this.s3Keys.secretAccessKey, AWS_DEFAULT_REGION: "us-east-1" };
  }

  async cleanup(): Promise<void> {
    if (this.vm) await this.vm.stop(30_000);
    if (this.tlsPid !== undefined) await stopGroup(this.tlsPid, 5_000);
    if (this.s3Pid !== undefined) await stopGroup(this.s3Pid, 5_000);
    fs.rmSync(this.work, { recursive: true, force: true });
  }
}

/** The example stack as a real VM lab: its object store is the host's versitygw. */
async function renderStack(lab: Lab): Promise<void> {
  const { config } = readStackConfig("example");
  const stackConfig = {
    ...config,
    "mlflow-lab:s3EndpointUrl": `https://${OBJECT_STORE_NAME}:${lab.tlsPort}`,
    "mlflow-lab:objectStoreCaCert": fs.readFileSync(lab.objectStoreCa, "utf8"),
    "mlflow-lab:hostname": HOSTNAME,
  };
  const evaluation = await evaluateProgram({ stack: "vm-test", config: stackConfig, computed: "fake", computedState: realComputedState(lab.work, lab.s3Keys) });
  const instance = evaluation.resources.find((resource) => resource.type === "openstack:compute/instance:Instance");
  if (!instance) throw new Error("the stack planned no instance");
  lab.userData = plain(instance.inputs.userData) as string;
  const volume = evaluation.resources.find((resource) => resource.type === "openstack:blockstorage/volume:Volume");
  if (!volume) throw new Error("the stack planned no volume");
  // Nova exposes the volume by the first 20 characters of its id; the mock gives it <name>-id.
  lab.volumeSerial = `${volume.name}-id`.slice(0, 20);
  lab.values = parseLabValues(await new Promise((resolve) => (evaluation.outputs.labValues as { apply: (f: (v: unknown) => void) => void }).apply(resolve)));
  writeBundle(renderBundle(valuesForJobAccount(lab.values), lab.bundleDir), lab.bundleDir);
  fs.writeFileSync(lab.hostsFile, `127.0.0.1 localhost\n${HTTPS_HOST} ${HOSTNAME}\n`);
  const bucket = writtenFile(lab.userData, "server.env").match(/MLFLOW_ARTIFACTS_DESTINATION='s3:\/\/([^/]+)\//)?.[1];
  if (!bucket) throw new Error("no artifact bucket in the rendered server.env");
  // What the aws provider does for the stack: the bucket, with versioning on.
  const create = "import os,boto3; s3=boto3.client('s3', endpoint_url=os.environ['MLFLOW_S3_ENDPOINT_URL']); b=os.environ['BUCKET']; s3.create_bucket(Bucket=b); s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={'Status': 'Enabled'})";
  const made = run(PYTHON, ["-c", create], { env: { ...lab.s3Environment(), BUCKET: bucket } });
  if (made.status !== 0) throw new Error(`cannot create the bucket: ${made.output}`);
}

/** The content of a file the rendered user-data writes, found by the end of its path. */
function writtenFile(userData: string, pathEnd: string): string {
  const files = (yaml.load(userData.replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string }[] }).write_files;
  const file = files.find((entry) => entry.path.endsWith(pathEnd));
  if (!file) throw new Error(`the user-data writes no file ending in ${pathEnd}`);
  return file.content;
}

async function waitForSsh(lab: Lab, timeoutMs: number): Promise<void> {
  await waitFor("ssh", () => Promise.resolve(lab.ssh("true", 30_000).status === 0), timeoutMs, () => !lab.vm.running);
}

/** cloud-init writes result.json when its last stage ends; its status may read "error" before that. */
async function waitForCloudInit(lab: Lab, timeoutMs: number): Promise<void> {
  await waitFor("cloud-init", () => Promise.resolve(lab.ssh("test -f /run/cloud-init/result.json", 30_000).status === 0), timeoutMs, () => !lab.vm.running);
}

async function healthyThroughNginx(lab: Lab): Promise<boolean> {
  return Promise.resolve(lab.researcher(`curl -sf --cacert ${path.join(lab.bundleDir, "lab-ca.pem")} https://${HOSTNAME}/health`).output.trim() === "OK");
}

/** Boots with KVM when this machine's KVM boots Debian's kernel, else with TCG. */
async function bootFirst(lab: Lab): Promise<"kvm" | "tcg"> {
  const options = { name: "ocean-lab-mlflow", instanceId: "i-first", userData: lab.userData, vendorData: lab.vendorData(), publicKey: fs.readFileSync(`${lab.key}.pub`, "utf8").trim(), freshRoot: true, dataDiskAtBoot: true };
  if (fs.existsSync("/dev/kvm")) {
    lab.vm.boot({ ...options, accel: "kvm" });
    const booted = await waitFor("kvm boot", () => Promise.resolve(/Linux version|systemd\[1\]/.test(lab.vm.consoleText())), 60_000, () => !lab.vm.running).then(() => true, () => false);
    if (booted && (await waitForSsh(lab, 180_000).then(() => true, () => false))) return "kvm";
    log("KVM did not boot the guest here; falling back to TCG");
    lab.vm.kill();
    await sleep(1000);
  }
  lab.vm.boot({ ...options, accel: "tcg" });
  return "tcg";
}

function findRun(lab: Lab, runId: string): boolean {
  const found = lab.researcher(`${PYTHON} -c "import mlflow,sys; r=mlflow.MlflowClient().get_run(sys.argv[1]); print('metrics', len(mlflow.MlflowClient().get_metric_history(r.info.run_id, 'loss')))" ${runId}`);
  return found.status === 0 && /metrics \d+/.test(found.output);
}

async function main(): Promise<number> {
  const began = Date.now();
  const checks: Checks = newChecks(log);
  const lab = new Lab();
  let accel: "kvm" | "tcg" = "tcg";
  // Interrupted (Ctrl-C, a CI timeout): stop the VM and the object store, remove the work folder.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void lab.cleanup().finally(() => process.exit(130));
    });
  }
  try {
    const image = run("bash", [path.join(__dirname, "image.sh"), IMAGE_DIR], { timeoutMs: 3_600_000 });
    if (image.status !== 0) throw new Error(`image build failed:\n${image.output.slice(-3000)}`);
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", lab.key]);
    await lab.startObjectStore();
    await renderStack(lab);
    fs.writeFileSync(path.join(lab.work, "user-data"), lab.userData);
    await checks.run("user-data passes cloud-init schema", () => {
      const schema = run("cloud-init", ["schema", "--config-file", path.join(lab.work, "user-data")]);
      if (schema.status !== 0) throw new Error(schema.output);
    });
    const dataDisk = path.join(lab.work, "volume.raw");
    fs.writeFileSync(dataDisk, "");
    fs.truncateSync(dataDisk, 4 * 1024 ** 3);
    if (await portAnswers(443).catch(() => false)) log("note: 127.0.0.1:443 is taken; the VM's 443 is forwarded to 127.0.0.2");
    lab.vm = new Vm({ dir: IMAGE_DIR }, lab.work, { file: dataDisk, serial: lab.volumeSerial }, { https: { host: HTTPS_HOST, port: 443 }, ssh: await freePort() });

    const firstBoot = Date.now();
    accel = await bootFirst(lab);
    log(`booting with ${accel}; first boot installs packages and MLflow`);
    await waitForSsh(lab, FIRST_BOOT_TIMEOUT_MS);
    await waitForCloudInit(lab, FIRST_BOOT_TIMEOUT_MS);
    log(`first boot done in ${Math.round((Date.now() - firstBoot) / 60_000)} min`);
    await deployedChecks(lab, checks);
    const runId = await researcherChecks(lab, checks);
    await faultChecks(lab, checks, runId, accel);
  } catch (error) {
    checks.fail("the test itself", error instanceof Error ? error.message : String(error));
    if (lab.vm?.running) {
      console.log(lab.ssh("sudo tail -n 60 /var/log/cloud-init-output.log").output);
    } else if (lab.vm) {
      console.log(lab.vm.consoleText().slice(-4000));
    }
  } finally {
    await lab.cleanup();
  }
  return checks.summary(`VM test (${accel}, ${Math.round((Date.now() - began) / 60_000)} min)`);
}

async function deployedChecks(lab: Lab, checks: Checks): Promise<void> {
  await checks.run("cloud-init status: done, no errors", () => {
    const status = lab.sshOk("cloud-init status --long");
    if (!/status: done/.test(status)) throw new Error(status);
    const result = JSON.parse(lab.sshOk("sudo cat /run/cloud-init/result.json")) as { v1: { errors: unknown[] } };
    if (result.v1.errors.length > 0) throw new Error(JSON.stringify(result.v1.errors));
  });
  await checks.run("the volume is mounted and Postgres lives on it", () => {
    const mount = lab.sshOk("findmnt -n -o SOURCE,TARGET /srv/mlflow-data");
    if (!mount.includes("/srv/mlflow-data")) throw new Error(mount);
    const dataDir = lab.sshOk("sudo -u postgres psql -Atc 'show data_directory'").trim();
    if (!dataDir.startsWith("/srv/mlflow-data/")) throw new Error(`data_directory is ${dataDir}`);
  });
  await checks.run("migrations ran exactly once", () => {
    const count = lab.sshOk("sudo grep -c 'mlflow-migrate: tracking and auth databases at head' /var/log/cloud-init-output.log").trim();
    if (count !== "1") throw new Error(`ran ${count} times`);
  });
  await checks.run("mlflow, nginx and Postgres are active", () => {
    lab.sshOk("systemctl is-active mlflow nginx 'postgresql@*-mlflow'");
  });
  await checks.run("MLflow runs with the rendered pool, its workers on uvloop; Postgres with the rendered settings", () => {
    for (const [name, value] of Object.entries(POSTGRES_SETTINGS)) {
      const actual = lab.sshOk(`sudo -u postgres psql -Atc ${quoteForBash(`show ${name}`)}`).trim();
      if (actual !== value) throw new Error(`Postgres ${name} is ${actual}, rendered ${value}`);
    }
    // As the booted user-data renders them: the pool in server.env, the workers in the launch script.
    const renderedPool = [...writtenFile(lab.userData, "server.env").matchAll(/^export (MLFLOW_SQLALCHEMYSTORE_\w+)='(\d+)'$/gm)].map(([, name, value]) => `${name}=${value}`).sort().join("\n");
    const workers = Number(writtenFile(lab.userData, "mlflow-server").match(/--workers (\d+)/)?.[1]);
    if (renderedPool === "" || !(workers > 0)) throw new Error("no pool or worker count in the rendered user-data");
    // Only the pool's lines of the server's environment come back: the rest holds credentials.
    const pool = lab.sshOk("sudo cat /proc/$(systemctl show -p MainPID --value mlflow)/environ | tr '\\0' '\\n' | grep '^MLFLOW_SQLALCHEMYSTORE_' | sort").trim();
    if (pool !== renderedPool) throw new Error(`the server's pool is ${JSON.stringify(pool)}, rendered ${JSON.stringify(renderedPool)}`);
    // Under asyncio uvicorn's workers leave TCP_NODELAY off: 40 ms on every kept-alive response.
    const onUvloop = Number(lab.sshOk("cgroup=$(systemctl show -p ControlGroup --value mlflow); for pid in $(cat \"/sys/fs/cgroup$cgroup/cgroup.procs\"); do if sudo grep -qs /uvloop/ \"/proc/$pid/maps\"; then echo \"$pid\"; fi; done | wc -l").trim());
    if (onUvloop < workers) throw new Error(`${onUvloop} of MLflow's processes load uvloop; it has ${workers} workers`);
    return `max_connections ${POSTGRES_SETTINGS.max_connections}, ${pool.replace(/\n/g, ", ")}, ${onUvloop} processes on uvloop`;
  });
  await checks.run("only 443 and 22 listen beyond loopback", () => {
    const listening = lab.sshOk("ss -ltnH").trim().split("\n").map((line) => line.trim().split(/\s+/)[3]);
    const outside = listening.filter((address) => !/^(127\.\d+\.\d+\.\d+|\[::1\])(%\w+)?:/.test(address)).map((address) => address.replace(/^.*:/, ""));
    const unexpected = [...new Set(outside)].filter((port) => port !== "22" && port !== "443");
    if (unexpected.length > 0) throw new Error(`also listening: ${listening.join(" ")}`);
  });
  await checks.run("nginx's TLS verifies with the lab CA, and refuses another name", () => {
    const ca = path.join(lab.bundleDir, "lab-ca.pem");
    const good = lab.researcher(`curl -s -o /dev/null -w '%{http_code}' --cacert ${ca} https://${HOSTNAME}/health`);
    if (good.output.trim() !== "200") throw new Error(`health through nginx: ${good.output}`);
    const other = lab.researcher(`curl -s -o /dev/null -w '%{http_code}' --cacert ${ca} --resolve other.example.org:443:${HTTPS_HOST} https://other.example.org/health`);
    if (other.output.trim() !== "000") throw new Error(`another name got HTTP ${other.output}`);
  });
  await checks.run("backups: WAL archived, a first full backup in the object store, the timers on", () => {
    const listed = lab.sshOk("sudo /opt/mlflow/bin/mlflow-backups");
    if (!/full/.test(listed) || !/last good backup/.test(listed)) throw new Error(listed);
    lab.sshOk("systemctl is-active mlflow-backup-full.timer mlflow-backup-diff.timer");
    return listed.trim().split("\n").pop();
  });
  await checks.run("anonymous requests get 401", () => {
    const code = lab.researcher(`curl -s -o /dev/null -w '%{http_code}' --cacert ${path.join(lab.bundleDir, "lab-ca.pem")} https://${HOSTNAME}/api/2.0/mlflow/experiments/search?max_results=1`);
    if (code.output.trim() !== "401") throw new Error(`got HTTP ${code.output}`);
  });
}

/** The bundle rendered from the stack's outputs: doctor, then a run with an artifact that lands in the bucket. */
async function researcherChecks(lab: Lab, checks: Checks): Promise<string> {
  await checks.run("the researcher bundle passes mlflow-lab doctor", () => {
    const doctor = lab.researcher(`${process.execPath} ${path.join(REPO_ROOT, "cli", "mlflow-lab.js")} doctor --env ${path.join(lab.bundleDir, "mlflow_env.sh")} --python ${PYTHON}`);
    if (doctor.status !== 0) throw new Error(doctor.output);
  });
  let runId = "";
  await checks.run("a run logged through the bundle lands its artifact in the bucket", () => {
    const logged = lab.researcher(`${PYTHON} ${path.join(E2E, "log_run.py")}`);
    if (logged.status !== 0) throw new Error(logged.output);
    const report = lastJsonLine<{ run_id: string; sha256: string; artifact_uri: string }>(logged.output);
    runId = report.run_id;
    const found = run(PYTHON, [path.join(E2E, "find_object.py"), "mlflow-ocean-lab", "artifacts/"], { env: lab.s3Environment() });
    const objects = lastJsonLine<Record<string, { sha256: string }>>(found.output);
    if (!Object.values(objects).some((object) => object.sha256 === report.sha256)) throw new Error(`artifact not in the bucket: ${found.output}`);
  });
  await checks.run("members get their accounts through the auth API (LabMember over TLS) and log under their own login", () => {
    const adminPassword = /^admin_password = (.*)$/m.exec(writtenFile(lab.userData, "basic_auth.ini"))?.[1];
    if (adminPassword === undefined) throw new Error("no admin_password in the rendered basic_auth.ini");
    const members = lab.values.members ?? [];
    if (members.length === 0) throw new Error("the example stack lists no members");
    const request = path.join(lab.work, "members.json");
    const server = { url: lab.values.trackingUri, admin: { username: "admin", password: adminPassword }, caCertPem: lab.values.tls?.caCertPem };
    fs.writeFileSync(request, JSON.stringify({ server, members }), { mode: 0o600 });
    const added = lab.researcher(`${process.execPath} ${path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs")} ${path.join(__dirname, "addMembers.ts")} ${request}`);
    if (added.status !== 0) throw new Error(added.output);
    const member = members[0];
    const memberBundle = path.join(lab.work, `bundle-${member.username}`);
    writeBundle(renderBundle(valuesForMember(lab.values, member.username), memberBundle), memberBundle);
    const logged = lab.researcher(`${PYTHON} ${path.join(E2E, "member_actions.py")} log vm-${member.username}`, memberBundle);
    const report = lastJsonLine<{ ok?: boolean; run_id?: string }>(logged.output);
    if (!report.ok || report.run_id === undefined) throw new Error(logged.output);
    const read = lab.researcher(`${PYTHON} ${path.join(E2E, "member_actions.py")} read ${report.run_id}`);
    if (!read.output.includes(`"user": "${member.username}"`)) throw new Error(`the run does not name ${member.username}: ${read.output}`);
    return `${members.map((entry) => entry.username).join(", ")} created; ${member.username}'s run names them`;
  });
  return runId;
}

async function timedRecovery(lab: Lab, what: string, kill: string, back: () => Promise<boolean>): Promise<string> {
  lab.sshOk(kill);
  const killed = Date.now();
  await sleep(1000);
  await waitFor(what, back, SERVER_START_TIMEOUT_MS);
  return `back in ${Math.round((Date.now() - killed) / 1000)} s`;
}

async function faultChecks(lab: Lab, checks: Checks, runId: string, accel: "kvm" | "tcg"): Promise<void> {
  const publicKey = fs.readFileSync(`${lab.key}.pub`, "utf8").trim();
  await checks.run("kill -9 of MLflow: systemd brings it back", () =>
    timedRecovery(lab, "mlflow after kill", "sudo systemctl kill -s KILL mlflow", () => healthyThroughNginx(lab)));
  await checks.run("kill -9 of Postgres: systemd brings it back", () =>
    timedRecovery(lab, "postgres after kill", "sudo systemctl kill -s KILL 'postgresql@*-mlflow'", () => Promise.resolve(findRun(lab, runId))));
  await checks.run("mlflow-restore on the VM: back to the end of the archive, the run kept", () => {
    const restored = lab.sshOk("sudo /opt/mlflow/bin/mlflow-restore --to latest --force", SERVER_START_TIMEOUT_MS);
    if (!/the lab is back at latest/.test(restored) || !findRun(lab, runId)) throw new Error(restored);
  });
  await checks.run("a reboot: everything comes back, the run too", async () => {
    lab.ssh("sudo systemctl reboot", 20_000);
    await sleep(10_000);
    await waitForSsh(lab, REBOOT_TIMEOUT_MS);
    await waitFor("mlflow after reboot", () => healthyThroughNginx(lab), SERVER_START_TIMEOUT_MS);
    if (!findRun(lab, runId)) throw new Error("the run is gone");
  });
  await checks.run("a rebuild (fresh root disk, new instance id, same volume) keeps runs and credentials", async () => {
    await lab.vm.stop();
    lab.vm.boot({ name: "ocean-lab-mlflow", instanceId: "i-rebuilt", userData: lab.userData, vendorData: lab.vendorData(), publicKey, freshRoot: true, dataDiskAtBoot: true, accel });
    await waitForSsh(lab, FIRST_BOOT_TIMEOUT_MS);
    await waitForCloudInit(lab, FIRST_BOOT_TIMEOUT_MS);
    const status = lab.sshOk("cloud-init status --long");
    if (!/status: done/.test(status)) throw new Error(status);
    await waitFor("mlflow after the rebuild", () => healthyThroughNginx(lab), SERVER_START_TIMEOUT_MS);
    if (!findRun(lab, runId)) throw new Error("the run, or the researcher's login, did not survive the rebuild");
    const listed = lab.sshOk("sudo /opt/mlflow/bin/mlflow-backups");
    if (!/last good backup/.test(listed)) throw new Error(`the backups did not survive the rebuild: ${listed}`);
  });
  await checks.run("a late volume: Postgres waits for it, never starts on the empty mount point", async () => {
    await lab.vm.stop();
    lab.vm.boot({ name: "ocean-lab-mlflow", instanceId: "i-rebuilt", userData: lab.userData, vendorData: lab.vendorData(), publicKey, freshRoot: false, dataDiskAtBoot: false, accel });
    await waitForSsh(lab, REBOOT_TIMEOUT_MS);
    await sleep(60_000);
    const postgres = lab.ssh("systemctl is-active 'postgresql@*-mlflow'").output.trim();
    if (postgres === "active") throw new Error("Postgres started without its volume");
    const onRoot = lab.sshOk("sudo find /srv/mlflow-data -mindepth 1 -maxdepth 1 | wc -l").trim();
    if (lab.ssh("mountpoint -q /srv/mlflow-data").status === 0 || onRoot !== "0") throw new Error(`the empty mount point holds ${onRoot} entries`);
    await lab.vm.attachDataDisk();
    await waitFor("the volume in the guest", () => Promise.resolve(lab.ssh(`test -e /dev/disk/by-id/virtio-${lab.volumeSerial}`).status === 0), 120_000);
    await waitFor("mlflow after the volume came", () => healthyThroughNginx(lab), SERVER_START_TIMEOUT_MS).catch((error: unknown) => {
      const units = lab.ssh("systemctl --no-pager --lines=15 status 'srv-mlflow\\x2ddata.mount' 'postgresql@*-mlflow' mlflow").output;
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${units}`);
    });
    if (!findRun(lab, runId)) throw new Error("the run is gone");
    // A glob names no unit until systemd has loaded one: is-active then prints nothing.
    return `Postgres was ${postgres || "not started"} until the volume came`;
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
