import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../localLab/processes";
import { doctor } from "./doctor";
import { E2E_DIR, PYTHON, runOrThrow } from "./labHarness";

let dir: string;
let server: ChildProcess;
let port: number;

/** A CA and a server certificate it signs for localhost, made with openssl. */
function makeCa(name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  runOrThrow("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", `/CN=${name}`, "-keyout", key, "-out", cert], { PATH: process.env.PATH ?? "" });
  return { cert, key };
}

function envFile(extra: string[]): string {
  const file = path.join(dir, `env-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(file, [`export MLFLOW_TRACKING_URI='https://localhost:${port}'`, "export MLFLOW_TRACKING_USERNAME='lab'", "export MLFLOW_TRACKING_PASSWORD='not-checked-here'", ...extra, ""].join("\n"), { mode: 0o600 });
  return file;
}

describe("mlflow-lab doctor against a real TLS server", () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-tls-"));
    const ca = makeCa("lab-ca");
    makeCa("other-ca");
    const env = { PATH: process.env.PATH ?? "" };
    const serverKey = path.join(dir, "server.key");
    const request = path.join(dir, "server.csr");
    const serverCert = path.join(dir, "server.pem");
    runOrThrow("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-keyout", serverKey, "-out", request], env);
    fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    runOrThrow("openssl", ["x509", "-req", "-in", request, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-days", "2", "-extfile", path.join(dir, "san.ext"), "-out", serverCert], env);
    port = await freePort();
    server = spawn(PYTHON, [path.join(E2E_DIR, "tls_server.py"), String(port), serverCert, serverKey], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      server.stdout?.once("data", () => resolve());
      server.once("exit", (code) => reject(new Error(`tls server exited ${code}`)));
    });
  }, 60_000);

  afterAll(() => {
    server?.kill();
  });

  it("verifies the chain with the lab CA and goes on to the server", () => {
    const result = doctor(envFile([`export MLFLOW_TRACKING_SERVER_CERT_PATH='${path.join(dir, "lab-ca.pem")}'`]));
    expect(result.output).toContain(`ok    tls: certificate chain verifies with ${path.join(dir, "lab-ca.pem")}`);
    expect(result.output).toContain(`ok    server: https://localhost:${port} answers /health`);
    expect(result.output).toContain("FAIL  credentials: the server refused");
  });

  it("names a CA that does not sign the server's certificate", () => {
    const result = doctor(envFile([`export MLFLOW_TRACKING_SERVER_CERT_PATH='${path.join(dir, "other-ca.pem")}'`]));
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/FAIL {2}tls: the server's certificate does not verify: .* -- fix: set MLFLOW_TRACKING_SERVER_CERT_PATH to the lab's CA certificate/);
  });
});
