import * as aws from "@pulumi/aws";
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";

export interface S3Credential {
  readonly accessKeyId: pulumi.Output<string>;
  readonly secretAccessKey: pulumi.Output<string>;
}

export interface ArtifactStoreArgs {
  /** OpenStack project owning the EC2 credentials and the bucket. */
  readonly projectId: pulumi.Input<string>;
  /** S3 endpoint of the object store (Ceph RGW). */
  readonly s3EndpointUrl: string;
  /** S3 region name the object store expects. */
  readonly region: string;
  readonly bucketName: string;
  /** create (default): a new private bucket; adopt: an existing bucket, read, never changed. */
  readonly bucketMode: "create" | "adopt";
  /** Also issue a credential for researchers (direct artifact mode only). Default: false. */
  readonly researcherCredential?: boolean;
  /** Days a superseded or deleted artifact version is kept, so a restore can bring it back. */
  readonly noncurrentVersionDays: number;
}

function secretCredential(credential: openstack.identity.Ec2CredentialV3): S3Credential {
  // Ec2CredentialV3 marks only `secret` as secret; the access key is a credential too.
  return { accessKeyId: pulumi.secret(credential.access), secretAccessKey: pulumi.secret(credential.secret) };
}

/** The lab's artifact bucket on OpenStack object storage, and the EC2 credentials that reach it. */
export class ArtifactStore extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly serverCredential: S3Credential;
  readonly researcherCredential?: S3Credential;

  constructor(name: string, args: ArtifactStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlflow-lab:artifacts:ArtifactStore", name, {}, opts);

    const server = new openstack.identity.Ec2CredentialV3(`${name}-server-credential`, { projectId: args.projectId }, { parent: this });
    this.serverCredential = secretCredential(server);
    if (args.researcherCredential ?? false) {
      const researcher = new openstack.identity.Ec2CredentialV3(`${name}-researcher-credential`, { projectId: args.projectId }, { parent: this });
      this.researcherCredential = secretCredential(researcher);
    }

    // An explicit provider aimed at Ceph RGW: path-style buckets, and no AWS account, STS or
    // metadata lookups, which RGW cannot answer.
    const provider = new aws.Provider(
      `${name}-s3`,
      {
        region: args.region as aws.Region,
        accessKey: this.serverCredential.accessKeyId,
        secretKey: this.serverCredential.secretAccessKey,
        endpoints: [{ s3: args.s3EndpointUrl }],
        s3UsePathStyle: true,
        skipCredentialsValidation: true,
        skipMetadataApiCheck: true,
        skipRegionValidation: true,
        skipRequestingAccountId: true,
      },
      { parent: this },
    );

    if (args.bucketMode === "adopt") {
      const bucket = aws.s3.Bucket.get(`${name}-bucket`, args.bucketName, undefined, { parent: this, provider });
      this.bucketName = bucket.bucket;
    } else {
      const bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.bucketName, forceDestroy: false }, { parent: this, provider });
      new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access-block`,
        { bucket: bucket.bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        { parent: this, provider },
      );
      this.bucketName = bucket.bucket;
    }

    // Created and adopted buckets alike keep old versions, so an overwritten or deleted artifact
    // can be restored, and let them expire after the lab's retention.
    const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: this.bucketName, versioningConfiguration: { status: "Enabled" } }, { parent: this, provider });
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-noncurrent-expiry`,
      {
        bucket: this.bucketName,
        rules: [{ id: "expire-noncurrent-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays } }],
      },
      { parent: this, provider, dependsOn: [versioning] },
    );

    this.registerOutputs({ bucketName: this.bucketName, serverCredential: this.serverCredential, researcherCredential: this.researcherCredential });
  }
}
