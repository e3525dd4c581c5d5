/**
 * The environment variable names mlflow-lab itself sets for researchers and jobs. Names only:
 * the values are built in templates/researcher/environment.ts.
 */

/** Variables the online environment may set that must not leak into an offline job. */
export const ONLINE_ONLY_VARIABLES = [
  "MLFLOW_TRACKING_USERNAME",
  "MLFLOW_TRACKING_PASSWORD",
  "MLFLOW_TRACKING_TOKEN",
  "MLFLOW_TRACKING_SERVER_CERT_PATH",
  "MLFLOW_S3_ENDPOINT_URL",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
] as const;

/** The client's asynchronous logging, which the lab's environments switch on (bench P4). */
export const ASYNC_LOGGING_VARIABLES = [
  "MLFLOW_ENABLE_ASYNC_LOGGING",
  "MLFLOW_ASYNC_LOGGING_BUFFERING_SECONDS",
  "MLFLOW_ASYNC_LOGGING_THREADPOOL_SIZE",
] as const;

/** Names the lab's environments set, plus the one the Slurm plugin exports: extra variables may not redefine them. */
export const RESERVED_VARIABLES: ReadonlySet<string> = new Set([
  "MLFLOW_TRACKING_URI",
  "MLFLOW_EXPERIMENT_NAME",
  "MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE",
  "AWS_DEFAULT_REGION",
  "MLFLOW_RUN_ID",
  ...ASYNC_LOGGING_VARIABLES,
  ...ONLINE_ONLY_VARIABLES,
]);
