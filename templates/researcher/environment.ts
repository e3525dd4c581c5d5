/**
 * The MLflow client environment of a lab (CONTRACTS §4), as one ordered list. mlflow_env.sh,
 * the `environment` of mltf_config.json and the Run:ai Secret are all rendered from it, so the
 * three cannot disagree.
 */
import { ONLINE_ONLY_VARIABLES, RESERVED_VARIABLES } from "../../model/environmentNames";
import type { LabValues } from "../../model/labValues";
import { awsProfileName } from "../../model/names";

export { ONLINE_ONLY_VARIABLES, RESERVED_VARIABLES };

/**
 * Artifacts from this size up are uploaded in parts (MLflow's default, 500 MiB, is rarely
 * reached). Bench P2 sweeps: at 16 and 64 MiB parts beat one PUT through the server (64 MiB:
 * 0.45 -> 1.00 of raw S3); smaller files were not measured, and are one or two parts at most.
 */
export const MULTIPART_MINIMUM_BYTES = 16 * 1024 * 1024;

/** Asynchronous logging, measured in bench P4 (16 jobs: 1 s / 2 s / 3 s and 1 / 2 / 10 senders). */
export const ASYNC_LOGGING_BUFFERING_SECONDS = 2;
const ASYNC_LOGGING_SENDERS = 2;

export interface EnvironmentVariable {
  readonly name: string;
  readonly value: string;
  /** True when the value is a credential: files holding it are written mode 0600. */
  readonly secret: boolean;
}

/**
 * @param caCertPath where the lab CA certificate is on the machine that reads the environment
 *   (the bundle's copy for researchers, a mounted file in a pod); omitted when the lab has no CA.
 */
export function mlflowEnvironment(values: LabValues, caCertPath?: string): EnvironmentVariable[] {
  const variables: EnvironmentVariable[] = [{ name: "MLFLOW_TRACKING_URI", value: values.trackingUri, secret: false }];
  if (values.tracking) {
    variables.push(
      { name: "MLFLOW_TRACKING_USERNAME", value: values.tracking.username, secret: true },
      { name: "MLFLOW_TRACKING_PASSWORD", value: values.tracking.password, secret: true },
    );
  }
  if (caCertPath !== undefined) {
    // Never MLFLOW_TRACKING_INSECURE_TLS: MLflow refuses both at once, and insecure is never right.
    variables.push({ name: "MLFLOW_TRACKING_SERVER_CERT_PATH", value: caCertPath, secret: false });
  }
  if (values.experimentName !== undefined) {
    variables.push({ name: "MLFLOW_EXPERIMENT_NAME", value: values.experimentName, secret: false });
  }
  // A training step does not wait for its metrics to reach the server (bench P4); the bundle
  // README says how a job flushes them before it ends. Without buffering MLflow sends each call
  // as its own request from 10 threads: 16 jobs kept ~160 requests in flight and lost points to
  // refusals. Buffered, a job's calls of 2 s go as one request of up to 1,000 points, two at a time.
  variables.push(
    { name: "MLFLOW_ENABLE_ASYNC_LOGGING", value: "true", secret: false },
    { name: "MLFLOW_ASYNC_LOGGING_BUFFERING_SECONDS", value: String(ASYNC_LOGGING_BUFFERING_SECONDS), secret: false },
    { name: "MLFLOW_ASYNC_LOGGING_THREADPOOL_SIZE", value: String(ASYNC_LOGGING_SENDERS), secret: false },
  );
  const artifacts = values.artifacts;
  switch (artifacts.mode) {
    case "proxied":
      // The server holds the bucket keys; researchers get none. Large artifacts go up in
      // parallel parts to presigned URLs the server hands out (bench P2: 0.27 -> see README).
      if (artifacts.multipartUpload ?? true) {
        variables.push(
          { name: "MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", value: "true", secret: false },
          { name: "MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", value: String(MULTIPART_MINIMUM_BYTES), secret: false },
        );
      }
      break;
    case "direct":
      variables.push(
        { name: "MLFLOW_S3_ENDPOINT_URL", value: artifacts.s3EndpointUrl, secret: false },
        { name: "AWS_ACCESS_KEY_ID", value: artifacts.accessKeyId, secret: true },
        { name: "AWS_SECRET_ACCESS_KEY", value: artifacts.secretAccessKey, secret: true },
        { name: "AWS_DEFAULT_REGION", value: artifacts.region, secret: false },
        // Ceph RGW buckets are addressed by path, not by virtual host.
        { name: "MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE", value: "path", secret: false },
      );
      break;
    default: {
      const unreachable: never = artifacts;
      throw new Error(`unknown artifact mode ${JSON.stringify(unreachable)}`);
    }
  }
  return variables;
}

/**
 * The environment of a batch job whose config is not private: mltf_config.json travels with the
 * project, and the plugin's job script runs under `set -x`, which prints every export into the
 * job log. Only what is not secret; the job finds its credentials in the files
 * install_credentials.sh puts in the home, the bucket keys through the lab's AWS profile.
 */
export function batchJobEnvironment(values: LabValues, caCertPath?: string): EnvironmentVariable[] {
  const variables = mlflowEnvironment(values, caCertPath).filter((variable) => !variable.secret);
  if (values.artifacts.mode === "direct") variables.push({ name: "AWS_PROFILE", value: awsProfileName(values.lab), secret: false });
  return variables;
}

/** Offline-HPC environment for compute nodes without network: local sqlite and files only. */
export function offlineEnvironment(values: LabValues): EnvironmentVariable[] {
  if (!values.offline) return [];
  // sqlite:/// plus an absolute path gives the four slashes SQLAlchemy wants.
  const sqliteUri = `sqlite:///${values.offline.sqliteDbPath}`;
  const variables: EnvironmentVariable[] = [
    { name: "MLFLOW_TRACKING_URI", value: sqliteUri, secret: false },
    { name: "MLFLOW_SQLITE_DB_PATH", value: sqliteUri, secret: false },
    { name: "MLFLOW_ARTIFACTS_PATH", value: values.offline.artifactsPath, secret: false },
    // ssm-simulators turns this into a local path: never an s3:// URI here.
    { name: "MLFLOW_ARTIFACT_LOCATION", value: values.offline.artifactsPath, secret: false },
  ];
  if (values.experimentName !== undefined) {
    variables.push({ name: "MLFLOW_EXPERIMENT_NAME", value: values.experimentName, secret: false });
  }
  return variables;
}
