import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

export interface LabCertificateAuthorityArgs {
  readonly lab: string;
  /** DNS name the server certificate is issued for. */
  readonly hostname: string;
  /** Lifetime of the CA certificate. Default: 10 years. */
  readonly caValidityHours?: number;
  /** Lifetime of the server certificate; renewed by `pulumi up` within 30 days of expiry. Default: 1 year. */
  readonly serverValidityHours?: number;
}

/**
 * A CA of the lab's own and the server certificate it signs, for labs whose 443 is closed to
 * the internet (so ACME HTTP-01 cannot validate). The CA certificate ships in the bundle.
 */
export class LabCertificateAuthority extends pulumi.ComponentResource {
  readonly caCertPem: pulumi.Output<string>;
  /** Server certificate followed by the CA: the chain nginx serves. */
  readonly serverChainPem: pulumi.Output<string>;
  readonly serverPrivateKeyPem: pulumi.Output<string>;

  constructor(name: string, args: LabCertificateAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlflow-lab:tls:LabCertificateAuthority", name, {}, opts);

    const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        subject: { commonName: `mlflow-lab ${args.lab} CA`, organization: "mlflow-lab" },
        validityPeriodHours: args.caValidityHours ?? 10 * 365 * 24,
        allowedUses: ["cert_signing", "crl_signing"],
      },
      { parent: this },
    );
    const serverKey = new tls.PrivateKey(`${name}-server-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const request = new tls.CertRequest(
      `${name}-server-request`,
      { privateKeyPem: serverKey.privateKeyPem, dnsNames: [args.hostname], subject: { commonName: args.hostname } },
      { parent: this },
    );
    const server = new tls.LocallySignedCert(
      `${name}-server-certificate`,
      {
        certRequestPem: request.certRequestPem,
        caCertPem: ca.certPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        validityPeriodHours: args.serverValidityHours ?? 365 * 24,
        earlyRenewalHours: 30 * 24,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
      },
      { parent: this },
    );

    this.caCertPem = ca.certPem;
    this.serverChainPem = pulumi.interpolate`${server.certPem}${ca.certPem}`;
    this.serverPrivateKeyPem = pulumi.secret(serverKey.privateKeyPem);
    this.registerOutputs({ caCertPem: this.caCertPem, serverChainPem: this.serverChainPem });
  }
}
