/** The local lab's S3 server (versitygw): the environment that reaches it and the lab's bucket. */
import { run } from "./processes";
import { type LabState, PYTHON, S3_REGION } from "./state";

export function s3Endpoint(state: LabState): string {
  return `http://127.0.0.1:${state.ports.s3}`;
}

/** What boto3 needs to act as the S3 server's root user. */
export function s3Environment(state: LabState): Record<string, string> {
  return {
    MLFLOW_S3_ENDPOINT_URL: s3Endpoint(state),
    AWS_ACCESS_KEY_ID: state.secrets.s3AccessKey,
    AWS_SECRET_ACCESS_KEY: state.secrets.s3SecretKey,
    AWS_DEFAULT_REGION: S3_REGION,
  };
}

/** Creates the bucket unless it exists, with versioning on. */
export function ensureBucket(state: LabState, bucket: string): void {
  const code = [
    "import os, boto3",
    "s3 = boto3.client('s3', endpoint_url=os.environ['MLFLOW_S3_ENDPOINT_URL'], region_name=os.environ['AWS_DEFAULT_REGION'])",
    "names = [b['Name'] for b in s3.list_buckets().get('Buckets', [])]",
    "bucket = os.environ['LAB_BUCKET']",
    "bucket in names or s3.create_bucket(Bucket=bucket)",
    // Versions let an overwritten or deleted artifact come back (mlflow-restore).
    "s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={'Status': 'Enabled'})",
  ].join("\n");
  run("s3 bucket", PYTHON, ["-c", code], { env: { ...process.env, ...s3Environment(state), LAB_BUCKET: bucket } });
}
