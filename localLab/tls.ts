/**
 * A CA of the local lab's own and a certificate for `localhost`: pgBackRest speaks only HTTPS
 * to S3 and checks the certificate against DNS names, never IP addresses.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { run } from "./processes";
import type { LabPaths } from "./state";

export function ensureLocalhostCertificate(paths: LabPaths): void {
  const { dir, caCert, caKey, cert, key } = paths.tls;
  if (fs.existsSync(cert) && fs.existsSync(key) && fs.existsSync(caCert)) return;
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  run("lab CA key", "openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", caKey]);
  run("lab CA", "openssl", ["req", "-x509", "-new", "-key", caKey, "-subj", "/CN=mlflow-lab local CA", "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", caCert]);
  run("localhost key", "openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
  const request = path.join(dir, "localhost.csr");
  run("localhost request", "openssl", ["req", "-new", "-key", key, "-subj", "/CN=localhost", "-out", request]);
  const extensions = path.join(dir, "localhost.ext");
  fs.writeFileSync(extensions, "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n");
  run("localhost certificate", "openssl", ["x509", "-req", "-in", request, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial", "-days", "3650", "-extfile", extensions, "-out", cert]);
  for (const file of [caKey, key]) fs.chmodSync(file, 0o600);
  // pgBackRest runs as postgres and must read the CA.
  fs.chmodSync(caCert, 0o644);
}
