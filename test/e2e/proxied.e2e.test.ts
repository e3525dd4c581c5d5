import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalLab, LocalLabSummary } from "../../localLab/lab";
import { labDatabaseNames } from "../../model/names";
import { POSTGRES_SETTINGS } from "../../templates/server/database";
import { renderServerFiles } from "../../templates/server/launch";
import { doctor } from "./doctor";
import { labWithLoggedRun, type LoggedRun, objectsUnder, runOrThrow } from "./labHarness";


let lab: LocalLab;
let summary: LocalLabSummary;
let logged: LoggedRun;

function request(port: number, pathname: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: pathname, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * GET /health `count` times on one kept-alive connection; for each, the milliseconds between the
 * response's first bytes and its last (the body "OK").
 */
function keptAliveBodyDelays(port: number, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const delays: number[] = [];
    let received = "";
    let firstBytesAt = 0;
    const ask = () => socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    socket.on("connect", ask);
    socket.on("data", (chunk) => {
      if (received === "") firstBytesAt = performance.now();
      received += chunk.toString();
      if (!received.endsWith("\r\n\r\nOK")) return;
      delays.push(performance.now() - firstBytesAt);
      received = "";
      if (delays.length < count) ask();
      else {
        socket.end();
        resolve(delays);
      }
    });
    socket.on("error", reject);
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("local lab, proxied artifacts: a real MLflow client through mlflow_env.sh", () => {
  beforeAll(async () => {
    ({ lab, summary, logged } = await labWithLoggedRun("e2e-proxied", "proxied"));
  }, 600_000);

  afterAll(async () => {
    await lab?.down();
  }, 120_000);

  it("gives researchers no bucket keys", () => {
    const env = fs.readFileSync(path.join(summary.bundleDir, "mlflow_env.sh"), "utf8");
    expect(env).not.toMatch(/AWS_|MLFLOW_S3_ENDPOINT_URL/);
    expect(env).toContain("export MLFLOW_TRACKING_URI=");
    expect(logged.artifact_uri).toMatch(/^mlflow-artifacts:\//);
  });

  it("stores params and all 1,000 metric points in Postgres", () => {
    const state = lab.state();
    const { role } = labDatabaseNames(lab.name);
    const sql = `SELECT (SELECT count(*) FROM metrics WHERE run_uuid = '${logged.run_id}'), (SELECT value FROM params WHERE run_uuid = '${logged.run_id}' AND key = 'note')`;
    const output = runOrThrow("psql", ["-h", "127.0.0.1", "-p", String(state.ports.postgres), "-U", role, "-d", role, "-A", "-t", "-F", "|", "-c", sql], {
      PATH: process.env.PATH ?? "",
      PGPASSWORD: state.secrets.dbPassword,
    });
    expect(output.trim()).toBe("1000|it's $HOME `x`");
  });

  it("runs Postgres with the settings the VM's bootstrap applies", () => {
    const state = lab.state();
    const { role } = labDatabaseNames(lab.name);
    for (const [name, value] of Object.entries(POSTGRES_SETTINGS)) {
      const shown = runOrThrow("psql", ["-h", "127.0.0.1", "-p", String(state.ports.postgres), "-U", role, "-d", role, "-A", "-t", "-c", `SHOW ${name}`], {
        PATH: process.env.PATH ?? "",
        PGPASSWORD: state.secrets.dbPassword,
      });
      expect(shown.trim(), name).toBe(value);
    }
  });

  it("puts the 20 MiB artifact in the bucket, byte for byte", () => {
    expect(objectsUnder(lab, "mlflow-e2e-proxied", `artifacts/${logged.experiment_id}/${logged.run_id}/`)).toEqual({ [`artifacts/${logged.experiment_id}/${logged.run_id}/artifacts/weights.bin`]: { size: logged.size, sha256: logged.sha256 } });
  });

  it("answers on a kept-alive connection without a 40 ms stall between headers and body", async () => {
    // Without uvloop the server wrote them apart with Nagle on: the body waited for the client's delayed ACK.
    const delays = await keptAliveBodyDelays(lab.state().ports.mlflow, 12);
    const sorted = delays.slice(2).sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)], `body delays ${delays.map((ms) => ms.toFixed(1)).join(", ")} ms`).toBeLessThan(20);
  });

  it("answers 401 without credentials and to MLflow's stock admin password", async () => {
    const port = lab.state().ports.mlflow;
    const api = "/api/2.0/mlflow/experiments/search?max_results=1";
    const host = { Host: `127.0.0.1:${port}` };
    expect(await request(port, api, host)).toBe(401);
    expect(await request(port, api, { ...host, Authorization: basic("admin", "password1234") })).toBe(401);
    const adminPassword = fs.readFileSync(summary.adminPasswordFile, "utf8").trim();
    expect(adminPassword).not.toBe("password1234");
    expect(await request(port, api, { ...host, Authorization: basic("admin", adminPassword) })).toBe(200);
  });

  it("refuses a Host header that is not the lab's", async () => {
    const port = lab.state().ports.mlflow;
    const adminPassword = fs.readFileSync(summary.adminPasswordFile, "utf8").trim();
    const status = await request(port, "/api/2.0/mlflow/experiments/search?max_results=1", { Host: "evil.example.org", Authorization: basic("admin", adminPassword) });
    expect(status).toBe(403);
  });

  it("runs the server from the launch renderer the VM's cloud-init uses, files and modes alike", () => {
    const state = lab.state();
    const files = renderServerFiles(lab.launchSpec(state));
    expect(files.map((file) => path.basename(file.path))).toEqual(["server.env", "basic_auth.ini", "mlflow-server", "mlflow-migrate", "mlflow-create-researcher", "mlflow_lab_auth.py"]);
    for (const file of files) {
      expect(fs.readFileSync(file.path, "utf8"), file.path).toBe(file.content);
      expect(fs.statSync(file.path).mode & 0o777, file.path).toBe(file.mode);
    }
    expect(fs.readFileSync(files[2].path, "utf8")).toContain(`--allowed-hosts '127.0.0.1:${state.ports.mlflow},localhost:${state.ports.mlflow}'`);
  });

  it("passes mlflow-lab doctor, with the bucket check skipped in proxied mode", () => {
    const result = doctor(path.join(summary.bundleDir, "mlflow_env.sh"));
    expect(result.output).toContain("skip  bucket: proxied artifacts: researchers hold no bucket keys");
    expect(result.output).toContain("ok    version: client 3.17.2, server 3.17.2");
    expect(result.status).toBe(0);
  });
});
