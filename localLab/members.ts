/**
 * The local lab's members: an MLflow login each, reconciled through the auth API with the same
 * module the Pulumi program's LabMember resources call, and a bundle each under out/<lab>/members.
 */
import * as fs from "node:fs";
import { type AuthServer, mlflowAccounts } from "../io/mlflowAccounts";
import { writeBundle } from "../io/bundleWriter";
import type { LabValues } from "../model/labValues";
import { memberBundleDir } from "../model/names";
import { valuesForMember } from "../model/members";
import { renderBundle } from "../templates/researcher/bundle";
import { type LabPaths, type LabState, secret, writePrivateFile } from "./state";

/** Each listed member's password: kept when known, generated when new; removed members dropped. */
export function memberPasswordsFor(members: readonly string[], known: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(members.map((member) => [member, known[member] ?? secret()]));
}

/**
 * Makes the server's member accounts match `members`: creates or re-keys each listed one,
 * deletes those the state knew and the list no longer names (and their bundles), then records
 * the passwords in the state.
 */
export async function reconcileMembers(paths: LabPaths, state: LabState, server: AuthServer, members: readonly string[], log: (line: string) => void): Promise<LabState> {
  const { ensureMember, removeMember } = mlflowAccounts();
  const known = state.secrets.memberPasswords ?? {};
  const passwords = memberPasswordsFor(members, known);
  for (const [username, password] of Object.entries(passwords)) {
    log(`member ${username}: account ${await ensureMember(server, { username, password })}`);
  }
  for (const removed of Object.keys(known).filter((username) => !(username in passwords))) {
    log(`member ${removed}: account ${await removeMember(server, removed)}, bundle removed`);
    fs.rmSync(memberBundleDir(paths.bundle, removed), { recursive: true, force: true });
  }
  const next: LabState = { ...state, secrets: { ...state.secrets, memberPasswords: passwords } };
  writePrivateFile(paths.state, `${JSON.stringify(next, null, 2)}\n`);
  return next;
}

/** Writes every member's bundle; returns their folders by username. */
export function writeMemberBundles(paths: LabPaths, values: LabValues): Record<string, string> {
  return Object.fromEntries(
    (values.members ?? []).map(({ username }) => {
      const dir = memberBundleDir(paths.bundle, username);
      writeBundle(renderBundle(valuesForMember(values, username), dir), dir);
      return [username, dir];
    }),
  );
}
