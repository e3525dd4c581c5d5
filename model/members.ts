/** What each member's bundle holds: the lab's values with that member's login and no one else's. */
import type { LabValues } from "./labValues";

/** The lab's values as the lab-wide job account's bundle holds them: no member's password. */
export function valuesForJobAccount(values: LabValues): LabValues {
  const shared = { ...values };
  delete shared.members;
  return shared;
}

/** The lab's values as `username`'s bundle holds them: their own login instead of the job account's. */
export function valuesForMember(values: LabValues, username: string): LabValues {
  const member = values.members?.find((candidate) => candidate.username === username);
  if (member === undefined) {
    const listed = (values.members ?? []).map((candidate) => candidate.username);
    throw new Error(`${username} is not a member of lab ${values.lab}${listed.length > 0 ? ` (members: ${listed.join(", ")})` : " (it lists no members; add them to the stack's members key)"}`);
  }
  return { ...valuesForJobAccount(values), tracking: { username: member.username, password: member.password } };
}
