/**
 * One lab member's MLflow account, as a Pulumi dynamic resource: created, re-keyed and deleted
 * through the tracking server's auth API (io/mlflowAccounts), never through cloud-init, so a
 * change of the member list leaves the server VM as it is. The provider's methods run in
 * Pulumi's dynamic-provider process: they capture nothing but mlflowAccounts.
 */
import * as pulumi from "@pulumi/pulumi";
import { type AuthServer, type MemberAccount, mlflowAccounts } from "../io/mlflowAccounts";

interface LabMemberState {
  readonly server: AuthServer;
  readonly member: MemberAccount;
}

export interface LabMemberArgs {
  readonly server: pulumi.Input<AuthServer>;
  readonly member: pulumi.Input<MemberAccount>;
}

/** A new VM's first boot: minutes on a cloud, half an hour and more under emulation. */
const SERVER_WAIT_MS = 60 * 60_000;

async function reconcile(state: LabMemberState): Promise<void> {
  const accounts = mlflowAccounts();
  await accounts.waitForServer(state.server, SERVER_WAIT_MS, (message) => console.log(`member ${state.member.username}: ${message}`));
  await accounts.ensureMember(state.server, state.member);
}

export const labMemberProvider: pulumi.dynamic.ResourceProvider<LabMemberState, LabMemberState> = {
  async create(inputs) {
    await reconcile(inputs);
    return { id: inputs.member.username, outs: inputs };
  },
  diff(_id, olds, news) {
    const renamed = olds.member.username !== news.member.username;
    const changed = renamed || olds.member.password !== news.member.password || olds.server.url !== news.server.url || olds.server.admin.password !== news.server.admin.password;
    return Promise.resolve({ changes: changed, replaces: renamed ? ["member"] : [], deleteBeforeReplace: false });
  },
  async update(_id, _olds, news) {
    await reconcile(news);
    return { outs: news };
  },
  async delete(_id, olds) {
    await mlflowAccounts().removeMember(olds.server, olds.member.username);
  },
};

export class LabMember extends pulumi.dynamic.Resource {
  constructor(name: string, args: LabMemberArgs, opts?: pulumi.CustomResourceOptions) {
    // Both hold a password: secret in the state whatever the inputs were.
    super(labMemberProvider, name, args, { ...opts, additionalSecretOutputs: ["server", "member"] }, "mlflow-lab", "LabMember");
  }
}
