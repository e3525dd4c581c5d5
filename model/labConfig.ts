/**
 * A lab's validated configuration. `S` is how a secret is held: a pulumi.Output in the program,
 * a plain string in the local lab and the tests. Built by config/schema.ts from the stack config.
 */

export type TlsChoice<S> =
  | { readonly mode: "lab-ca" }
  | { readonly mode: "institution"; readonly certificate: string; readonly privateKey: S }
  | { readonly mode: "acme-dns"; readonly email: string; readonly dnsPlugin: string; readonly dnsCredentials: S };

export type DatabaseChoice<S> =
  | { readonly mode: "vm" }
  | { readonly mode: "existing"; readonly host: string; readonly port: number; readonly adminUsername: string; readonly adminPassword: S; readonly sslMode: string };

export interface OpenStackPlacement {
  readonly projectId: string;
  readonly image: string;
  readonly flavor: string;
  readonly network: string;
  readonly externalNetwork: string;
  readonly keyPair: string;
  /** The only CIDR allowed on 22. */
  readonly adminCidr: string;
  /** CIDRs allowed on 443. */
  readonly labCidrs: readonly string[];
  readonly dataVolumeSizeGiB: number;
}

export interface ObjectStore {
  readonly s3EndpointUrl: string;
  readonly region: string;
  readonly bucketName: string;
  readonly bucketMode: "create" | "adopt";
  /** The object store's CA certificate (PEM), when it is a private one. */
  readonly caCertPem?: string;
}

/** The tracking server on an OpenStack VM built by cloud-init. */
export interface VmServer<S> {
  readonly hosting: "vm";
  readonly hostname: string;
  readonly mlflowVersion: string;
  readonly tls: TlsChoice<S>;
  readonly database: DatabaseChoice<S>;
  readonly openstack: OpenStackPlacement;
  readonly objectStore: ObjectStore;
}

/** The tracking server of the embedded lab that `mlflow-lab local up` runs on this machine. */
export interface LocalServer {
  readonly hosting: "local";
}

export type ServerChoice<S> = VmServer<S> | LocalServer;

export interface LabConfig<S> {
  readonly lab: string;
  readonly server: ServerChoice<S>;
  readonly artifacts: {
    readonly mode: "proxied" | "direct";
    /** Proxied mode: large uploads in parts to presigned object-store URLs. */
    readonly multipartUpload: boolean;
  };
  readonly experimentName?: string;
  /** Usernames of the lab's members: an MLflow login each, and the Run:ai RoleBinding's subjects. */
  readonly members: readonly string[];
  /** Point-in-time recovery window: pgBackRest's full backups with their WAL, noncurrent artifact versions. */
  readonly backup: { readonly retentionDays: number };
  readonly runai: {
    readonly project: string;
    readonly kubeContext?: string;
    readonly namespaceMode: "adopt" | "create";
    readonly repositoryUri: string;
    readonly researchers: readonly string[];
    readonly gpus: number;
    readonly cpu: string;
    readonly memory: string;
    readonly interactive: boolean;
  };
  readonly slurm: {
    readonly jobName: string;
    readonly partition: string;
    readonly nodes: number;
    readonly ntasksPerNode: number;
    readonly cpusPerTask: number;
    readonly mem: string;
    readonly time: string;
    readonly gpus: number | null;
    readonly modules: readonly string[];
    readonly extraEnvironment: Readonly<Record<string, string>>;
    readonly debug: boolean;
  };
  readonly offline?: { readonly sqliteDbPath: string; readonly artifactsPath: string };
}
