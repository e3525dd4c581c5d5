/**
 * Runs the Pulumi program's LabMember provider against the VM, as `pulumi up` does for each
 * member: `tsx addMembers.ts FILE`, FILE (0600) holding { server, members }. Prints one line per
 * member, never a password.
 */
import * as fs from "node:fs";
import { labMemberProvider } from "../../components/labMember";
import type { AuthServer, MemberAccount } from "../../io/mlflowAccounts";

async function main(): Promise<void> {
  const { server, members } = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as { server: AuthServer; members: MemberAccount[] };
  for (const member of members) {
    const created = await labMemberProvider.create({ server, member });
    console.log(`member ${created.id}: account ready`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
