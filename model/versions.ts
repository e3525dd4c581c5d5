/**
 * Every pinned version in one place. Bump here, nowhere else.
 * MLflow below 3.11 has public path-traversal, auth-bypass and file-read CVEs.
 */
export const MLFLOW_VERSION = "3.17.2";
export const MLFLOW_MINIMUM_VERSION = "3.11.0";
/** The release before the pinned one: the upgrade drill creates a lab with it (requirements-previous.txt). */
export const MLFLOW_PREVIOUS_VERSION = "3.16.1";
export const PSYCOPG2_VERSION = "2.9.13";
export const BOTO3_VERSION = "1.44.8";
/**
 * The server's event loop. uvicorn's multi-worker socket leaves TCP_NODELAY off under asyncio's
 * own loop: every response after the first on a kept-alive connection stalled 40 ms (Nagle
 * against the client's delayed ACK: /health 44 ms, 1 ms with uvloop). uvicorn uses it when installed.
 */
export const UVLOOP_VERSION = "0.23.0";
export const POSTGRES_MAJOR_VERSION = 15;

/** Parses "3.18.0" / "3.11" into comparable numbers; undefined for anything else. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

/** True when `version` is a plain release at or above `minimum`. */
export function isVersionAtLeast(version: string, minimum: string): boolean {
  const have = parseVersion(version);
  const need = parseVersion(minimum);
  if (!have || !need) return false;
  for (let i = 0; i < 3; i++) {
    if (have[i] !== need[i]) return have[i] > need[i];
  }
  return true;
}

/** S3-compatible server of the local lab (Apache-2.0), built with `go install`. */
export const VERSITYGW_MODULE = "github.com/versity/versitygw/cmd/versitygw@v1.8.0";
