/** What a tracking server answers one login, asked often enough to reach every worker. */

/** One API call a member makes: a read, or a write with a JSON body. */
export interface ApiCall {
  readonly path: string;
  readonly body?: unknown;
}

export const SEARCH_EXPERIMENTS: ApiCall = { path: "/api/2.0/mlflow/experiments/search?max_results=1" };

/**
 * Status codes of each call, `rounds` times over. Each worker of the server keeps its own
 * credential cache, so one answer says little: repeated calls spread over all of them.
 */
export async function loginStatuses(
  trackingUri: string,
  login: { readonly username: string; readonly password: string },
  rounds: number,
  calls: readonly ApiCall[] = [SEARCH_EXPERIMENTS],
): Promise<number[]> {
  const authorization = `Basic ${Buffer.from(`${login.username}:${login.password}`).toString("base64")}`;
  const codes: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const call of calls) {
      const reply = await fetch(`${trackingUri}${call.path}`, call.body === undefined
        ? { headers: { Authorization: authorization } }
        : { method: "POST", headers: { Authorization: authorization, "Content-Type": "application/json" }, body: JSON.stringify(call.body) });
      codes.push(reply.status);
    }
  }
  return codes;
}

