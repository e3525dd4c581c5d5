/**
 * One Nova-like instance under QEMU: a root disk (a fresh copy-on-write overlay of the cached
 * Debian image), an optional data disk whose serial is the volume id (so
 * /dev/disk/by-id/virtio-<id> exists, as on Nova), a NoCloud seed with the user-data and the
 * key pair, fixed PCI addresses, and 443 and 22 forwarded to loopback. The data disk can be
 * attached late through QEMU's monitor, like a slow Cinder attach.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { sleep } from "../../localLab/processes";

export interface VmImage {
  readonly dir: string;
}

export interface BootOptions {
  readonly name: string;
  readonly instanceId: string;
  readonly userData: string;
  /** What the cloud itself adds (NoCloud vendor-data): here, DNS for the test's object store. */
  readonly vendorData?: string;
  readonly publicKey: string;
  /** A fresh root disk (a new overlay): what a rebuilt instance gets. */
  readonly freshRoot: boolean;
  /** Attach the data disk at boot; false leaves it for attachDataDisk(). */
  readonly dataDiskAtBoot: boolean;
  readonly accel: "kvm" | "tcg";
}

const ROOT_PCI = "0x4";
/** q35's root bus takes no hotplug: the data disk sits behind a PCIe root port, as Nova's q35 guests' volumes do. */
const DATA_PORT = { id: "dataport", addr: "0x5" };
const SEED_PCI = "0x6";

export class Vm {
  private process?: ChildProcess;
  readonly consoleLog: string;
  private readonly monitorSocket: string;

  constructor(
    private readonly image: VmImage,
    private readonly workDir: string,
    readonly dataDisk: { readonly file: string; readonly serial: string },
    readonly ports: { readonly https: { host: string; port: number }; readonly ssh: number },
  ) {
    this.consoleLog = path.join(workDir, "console.log");
    this.monitorSocket = path.join(workDir, "monitor.sock");
  }

  private get rootOverlay(): string {
    return path.join(this.workDir, "root.qcow2");
  }

  private seed(options: BootOptions): string {
    const dir = path.join(this.workDir, `seed-${options.instanceId}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "user-data"), options.userData, { mode: 0o600 });
    // What Nova's metadata gives cloud-init: the instance id, a hostname, the key pair.
    fs.writeFileSync(path.join(dir, "meta-data"), `instance-id: ${options.instanceId}\nlocal-hostname: ${options.name}\npublic-keys:\n  - ${options.publicKey}\n`);
    const files = [path.join(dir, "user-data"), path.join(dir, "meta-data")];
    if (options.vendorData !== undefined) {
      fs.writeFileSync(path.join(dir, "vendor-data"), options.vendorData);
      files.push(path.join(dir, "vendor-data"));
    }
    const iso = path.join(this.workDir, `seed-${options.instanceId}.iso`);
    const result = spawnSync("genisoimage", ["-quiet", "-output", iso, "-volid", "cidata", "-joliet", "-rock", ...files]);
    if (result.status !== 0) throw new Error(`genisoimage failed: ${String(result.stderr)}`);
    return iso;
  }

  boot(options: BootOptions): void {
    if (options.freshRoot || !fs.existsSync(this.rootOverlay)) {
      fs.rmSync(this.rootOverlay, { force: true });
      const created = spawnSync("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", path.join(this.image.dir, "root.raw"), this.rootOverlay]);
      if (created.status !== 0) throw new Error(`qemu-img create failed: ${String(created.stderr)}`);
    }
    const { https, ssh } = this.ports;
    const accel = options.accel === "kvm" ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg,thread=multi", "-cpu", "max"];
    const args = [
      ...accel,
      "-machine", "q35", "-m", "4096", "-smp", "2",
      "-display", "none", "-serial", `file:${this.consoleLog}`,
      "-monitor", `unix:${this.monitorSocket},server,nowait`,
      "-kernel", path.join(this.image.dir, "vmlinuz"),
      "-initrd", path.join(this.image.dir, "initrd.img"),
      "-append", "root=LABEL=root rw console=ttyS0",
      "-drive", `file=${this.rootOverlay},if=none,id=root,format=qcow2`,
      "-device", `virtio-blk-pci,drive=root,addr=${ROOT_PCI}`,
      "-drive", `file=${this.seed(options)},if=none,id=seed,format=raw,readonly=on`,
      "-device", `virtio-blk-pci,drive=seed,addr=${SEED_PCI}`,
      "-netdev", `user,id=net0,hostfwd=tcp:${https.host}:${https.port}-:443,hostfwd=tcp:127.0.0.1:${ssh}-:22`,
      "-device", "virtio-net-pci,netdev=net0,addr=0x3",
      "-device", `pcie-root-port,id=${DATA_PORT.id},chassis=1,addr=${DATA_PORT.addr}`,
      ...(options.dataDiskAtBoot ? this.dataDiskArgs() : []),
    ];
    fs.appendFileSync(this.consoleLog, `\n===== boot ${options.instanceId} (${options.accel}) =====\n`);
    this.process = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", fs.openSync(path.join(this.workDir, "qemu.log"), "a")] });
  }

  private dataDiskArgs(): string[] {
    return ["-drive", `file=${this.dataDisk.file},if=none,id=data,format=raw`, "-device", this.dataDiskDevice()];
  }

  private dataDiskDevice(): string {
    return `virtio-blk-pci,drive=data,serial=${this.dataDisk.serial},bus=${DATA_PORT.id},id=datadisk`;
  }

  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** A human monitor command, as an admin would type it in QEMU's monitor; QEMU's "Error:" replies throw. */
  async monitor(command: string): Promise<string> {
    const output = await this.monitorReply(command);
    const error = /^Error: .*$/m.exec(output);
    if (error) throw new Error(`QEMU monitor refused "${command.split(" ")[0]}": ${error[0]}`);
    return output;
  }

  private async monitorReply(command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.monitorSocket);
      let output = "";
      socket.on("data", (chunk) => (output += chunk.toString()));
      socket.on("error", reject);
      socket.on("connect", () => {
        socket.write(`${command}\n`);
        setTimeout(() => {
          socket.end();
          resolve(output);
        }, 1500);
      });
    });
  }

  /** Hot-plugs the data disk, as a Cinder attach does. */
  async attachDataDisk(): Promise<void> {
    await this.monitor(`drive_add 0 file=${this.dataDisk.file},if=none,id=data,format=raw`);
    await this.monitor(`device_add ${this.dataDiskDevice()}`);
  }

  /** Stops the instance: ACPI power-off, then kill after `graceMs`. */
  async stop(graceMs = 120_000): Promise<void> {
    if (!this.running) return;
    await this.monitor("system_powerdown").catch(() => "");
    const deadline = Date.now() + graceMs;
    while (this.running && Date.now() < deadline) await sleep(500);
    this.kill();
  }

  kill(): void {
    if (this.running) this.process?.kill("SIGKILL");
  }

  consoleText(): string {
    return fs.existsSync(this.consoleLog) ? fs.readFileSync(this.consoleLog, "utf8") : "";
  }
}
