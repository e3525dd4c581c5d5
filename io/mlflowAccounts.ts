/**
 * Lab members' MLflow accounts, reconciled through the basic-auth app's REST API with the admin
 * login. Used by the Pulumi program (one dynamic resource per member) and by the local lab, so
 * adding or removing a member never touches the server's cloud-init.
 *
 * One self-contained function: Pulumi serializes a dynamic provider's code, with what it
 * captures, into the provider's own process; a function that only requires Node built-ins
 * travels whole, where imported modules would not.
 */
export interface AuthServer {
  /** The tracking server's base URL, as researchers reach it. */
  readonly url: string;
  readonly admin: { readonly username: string; readonly password: string };
  /** The lab CA (PEM), when the server's certificate is from one. */
  readonly caCertPem?: string;
}

export interface MemberAccount {
  readonly username: string;
  readonly password: string;
}

export interface MlflowAccounts {
  /** Waits until the server answers /health, reporting progress every minute through `onWait`. */
  readonly waitForServer: (server: AuthServer, timeoutMs: number, onWait?: (message: string) => void) => Promise<void>;
  /** Creates the member's account, or sets its password when it exists. */
  readonly ensureMember: (server: AuthServer, member: MemberAccount) => Promise<"created" | "updated">;
  /** Deletes the member's account; one already gone is fine. */
  readonly removeMember: (server: AuthServer, username: string) => Promise<"deleted" | "absent">;
}

export function mlflowAccounts(): MlflowAccounts {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- required inside, so the function serializes whole (see above)
  const http = require("node:http") as typeof import("node:http");
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  const https = require("node:https") as typeof import("node:https");

  interface Reply {
    readonly status: number;
    readonly body: string;
  }

  /** The auth API's error code in a reply, such as RESOURCE_ALREADY_EXISTS. */
  function errorCode(reply: Reply): string | undefined {
    try {
      return (JSON.parse(reply.body) as { error_code?: string }).error_code;
    } catch {
      return undefined;
    }
  }

  function call(server: AuthServer, method: string, apiPath: string, body?: unknown): Promise<Reply> {
    const target = new URL(apiPath, server.url.endsWith("/") ? server.url : `${server.url}/`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const login = Buffer.from(`${server.admin.username}:${server.admin.password}`).toString("base64");
    const options: import("node:https").RequestOptions = {
      method,
      headers: { Authorization: `Basic ${login}`, ...(payload !== undefined ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } : {}) },
      timeout: 30_000,
      // A connection of its own: a pooled keep-alive socket outlives the server's idle timeout and
      // the next request on it in the same process hangs up (found by the proxied e2e test).
      agent: false,
      ...(server.caCertPem !== undefined ? { ca: server.caCertPem } : {}),
    };
    const transport = target.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(target, options, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      });
      request.on("timeout", () => request.destroy(new Error(`${method} ${target.pathname}: no answer in 30 s`)));
      request.on("error", reject);
      request.end(payload);
    });
  }

  /** Throws with what the server said; never with the request (it may hold a password). */
  function refused(what: string, reply: Reply): Error {
    return new Error(`${what}: the tracking server answered ${reply.status} ${reply.body.slice(0, 300)}`);
  }

  /**
   * Waits until the server answers /health: a new VM's first boot takes minutes (half an hour
   * under emulation). Reports progress every minute through `onWait`.
   */
  async function waitForServer(server: AuthServer, timeoutMs: number, onWait: (message: string) => void = () => undefined): Promise<void> {
    const started = Date.now();
    let lastReport = started;
    for (;;) {
      try {
        if ((await call(server, "GET", "health")).status === 200) return;
      } catch {
        // Not up yet: connection refused or TLS not ready.
      }
      const waited = Date.now() - started;
      if (waited > timeoutMs) throw new Error(`the tracking server ${server.url} did not answer /health in ${Math.round(timeoutMs / 1000)} s`);
      if (Date.now() - lastReport >= 60_000) {
        lastReport = Date.now();
        onWait(`waiting for ${server.url} to answer /health (${Math.round(waited / 1000)} s so far)`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }

  /** Creates the member's account, or sets its password when it exists. */
  async function ensureMember(server: AuthServer, member: MemberAccount): Promise<"created" | "updated"> {
    const created = await call(server, "POST", "api/2.0/mlflow/users/create", { username: member.username, password: member.password });
    if (created.status === 200) return "created";
    if (errorCode(created) !== "RESOURCE_ALREADY_EXISTS") throw refused(`creating the account of ${member.username}`, created);
    const updated = await call(server, "PATCH", "api/2.0/mlflow/users/update-password", { username: member.username, password: member.password });
    if (updated.status !== 200) throw refused(`setting the password of ${member.username}`, updated);
    return "updated";
  }

  /** Deletes the member's account; one already gone is fine. */
  async function removeMember(server: AuthServer, username: string): Promise<"deleted" | "absent"> {
    const deleted = await call(server, "DELETE", "api/2.0/mlflow/users/delete", { username });
    if (deleted.status === 200) return "deleted";
    if (deleted.status === 404 || errorCode(deleted) === "RESOURCE_DOES_NOT_EXIST") return "absent";
    throw refused(`deleting the account of ${username}`, deleted);
  }

  return { waitForServer, ensureMember, removeMember };
}
