/**
 * What the providers would compute, made for real so the VM boots exactly what a deployed stack
 * renders: random passwords of the requested length, EC2 keys that the test's S3 server
 * accepts, and keys and certificates made by openssl from the tls resources' own inputs.
 */
import { randomInt } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ComputedState } from "../../engine/mockRuntime";
import { plain } from "../helpers/pulumiMocks";

function openssl(args: string[], input?: string): string {
  const result = spawnSync("openssl", args, { input, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomPassword(length: number): string {
  return Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join("");
}

function subjectOf(subject: { commonName?: string; organization?: string } | undefined): string {
  return `/CN=${subject?.commonName ?? ""}${subject?.organization ? `/O=${subject.organization}` : ""}`;
}

/** Values for every computed output the program reads, keyed by resource type. */
export function realComputedState(workDir: string, s3: { accessKeyId: string; secretAccessKey: string }): ComputedState {
  const file = (name: string, content: string) => {
    const target = path.join(workDir, name);
    fs.writeFileSync(target, content, { mode: 0o600 });
    return target;
  };
  return (type, name, markedInputs) => {
    // Secret inputs (private keys) reach the mock wrapped in Pulumi's secret marker.
    const inputs = plain(markedInputs) as Record<string, unknown>;
    switch (type) {
      case "random:index/randomPassword:RandomPassword":
        return { result: randomPassword(Number(inputs.length ?? 32)) };
      case "openstack:identity/ec2CredentialV3:Ec2CredentialV3":
        return { access: s3.accessKeyId, secret: s3.secretAccessKey };
      case "openstack:networking/floatingIp:FloatingIp":
        return { address: "192.0.2.10" };
      case "tls:index/privateKey:PrivateKey": {
        if (inputs.algorithm !== "ECDSA" || inputs.ecdsaCurve !== "P256") throw new Error(`${name}: only ECDSA P256 keys are made here`);
        return { privateKeyPem: openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]) };
      }
      case "tls:index/selfSignedCert:SelfSignedCert": {
        const key = file(`${name}.key`, String(inputs.privateKeyPem));
        const days = String(Math.ceil(Number(inputs.validityPeriodHours) / 24));
        const ca = inputs.isCaCertificate === true ? ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"] : [];
        return { certPem: openssl(["req", "-x509", "-new", "-key", key, "-subj", subjectOf(inputs.subject as never), "-days", days, ...ca]) };
      }
      case "tls:index/certRequest:CertRequest": {
        const key = file(`${name}.key`, String(inputs.privateKeyPem));
        const dnsNames = (inputs.dnsNames as string[] | undefined) ?? [];
        const san = dnsNames.length > 0 ? ["-addext", `subjectAltName=${dnsNames.map((dns) => `DNS:${dns}`).join(",")}`] : [];
        return { certRequestPem: openssl(["req", "-new", "-key", key, "-subj", subjectOf(inputs.subject as never), ...san]) };
      }
      case "tls:index/locallySignedCert:LocallySignedCert": {
        const request = file(`${name}.csr`, String(inputs.certRequestPem));
        const caCert = file(`${name}.ca.crt`, String(inputs.caCertPem));
        const caKey = file(`${name}.ca.key`, String(inputs.caPrivateKeyPem));
        const extensions = file(`${name}.ext`, "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${ENV::SAN}\n");
        const san = openssl(["req", "-in", request, "-noout", "-text"]).match(/DNS:[^\s,]+(, DNS:[^\s,]+)*/)?.[0].replaceAll(" ", "") ?? "";
        const days = String(Math.ceil(Number(inputs.validityPeriodHours) / 24));
        const result = spawnSync("openssl", ["x509", "-req", "-in", request, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial", "-days", days, "-extfile", extensions], {
          encoding: "utf8",
          env: { ...process.env, SAN: san },
        });
        if (result.status !== 0) throw new Error(`openssl x509 failed: ${result.stderr}`);
        return { certPem: result.stdout };
      }
      default:
        return {};
    }
  };
}
