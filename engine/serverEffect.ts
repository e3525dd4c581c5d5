/**
 * What a config change does to the tracking server VM, read from two evaluations of the program.
 * In the OpenStack provider a new image, key pair, network or user data replaces an instance
 * (ForceNew): cloud-init runs again on a new VM that adopts the data volume. A new flavor
 * resizes it; security group rules, the volume size and the floating IP change beside it.
 */
import { type Evaluation, isSecretMarker, type RecordedResource } from "./mockRuntime";


export type ServerEffect = "replaced" | "changed in place" | "untouched";

const INSTANCE_TYPE = "openstack:compute/instance:Instance";
/**
 * Inputs the provider cannot change in place, of the instance and of what the instance names
 * (a replaced port gets a new ID, and the instance's networks list it).
 */
const REPLACING_INPUTS: Record<string, readonly string[]> = {
  [INSTANCE_TYPE]: ["imageName", "keyPair", "networks", "userData"],
  "openstack:networking/port:Port": ["networkId"],
  // A credential of another project is a new key pair, which the server's user data carries.
  "openstack:identity/ec2CredentialV3:Ec2CredentialV3": ["projectId"],
};
/** The VM and what is attached to it: its volume, port, addresses and firewall. */
const SERVER_TYPE_PREFIXES = ["openstack:compute/", "openstack:networking/", "openstack:blockstorage/", "openstack:identity/"];

/** Inputs as comparable text: secrets unwrapped (both sides come from the same fake state). */
function comparable(value: unknown): string {
  const unwrap = (inner: unknown): unknown => {
    if (isSecretMarker(inner)) return unwrap(inner.value);
    if (Array.isArray(inner)) return inner.map(unwrap);
    if (typeof inner === "object" && inner !== null) return Object.fromEntries(Object.entries(inner).map(([key, item]) => [key, unwrap(item)]));
    return inner;
  };
  return JSON.stringify(unwrap(value));
}

function serverResources(evaluation: Evaluation): Map<string, RecordedResource> {
  const server = evaluation.resources.filter((resource) => SERVER_TYPE_PREFIXES.some((prefix) => resource.type.startsWith(prefix)));
  return new Map(server.map((resource) => [`${resource.type}::${resource.name}`, resource]));
}

export function serverEffect(before: Evaluation, after: Evaluation): ServerEffect {
  const old = serverResources(before);
  const changed = serverResources(after);
  const instance = (resources: Map<string, RecordedResource>) => [...resources.values()].find((resource) => resource.type === INSTANCE_TYPE);
  const [oldInstance, newInstance] = [instance(old), instance(changed)];
  if (oldInstance === undefined || newInstance === undefined) return oldInstance === newInstance ? "untouched" : "replaced";
  const keys = new Set([...old.keys(), ...changed.keys()]);
  const replacing = [...keys].some((key) => {
    const [was, is] = [old.get(key), changed.get(key)];
    const inputs = REPLACING_INPUTS[(was ?? is)?.type ?? ""] ?? [];
    return inputs.some((input) => comparable(was?.inputs[input]) !== comparable(is?.inputs[input]));
  });
  if (replacing) return "replaced";
  const differs = [...keys].some((key) => comparable(old.get(key)?.inputs) !== comparable(changed.get(key)?.inputs));
  return differs ? "changed in place" : "untouched";
}
