/** Security-group rules: nothing but 443 to the world, named ports, never a database port. */
import type { PolicyResource, ResourceRule } from "./types";

const SECURITY_GROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule";
const WORLD = new Set(["0.0.0.0/0", "::/0"]);
const DATABASE_PORTS = [5432, 3306];

interface IngressRule {
  remoteIpPrefix?: string;
  portRangeMin?: number;
  portRangeMax?: number;
}

function ingress(resource: PolicyResource): IngressRule | undefined {
  if (resource.type !== SECURITY_GROUP_RULE || resource.props.direction !== "ingress") return undefined;
  return resource.props;
}

/** OpenStack reads an absent or 0 bound as "every port". */
function portRange(rule: IngressRule): [number, number] {
  const min = rule.portRangeMin ?? 0;
  const max = rule.portRangeMax ?? 0;
  return min === 0 && max === 0 ? [1, 65535] : [min, max];
}

export const noWorldIngressExceptHttps: ResourceRule = {
  name: "no-world-ingress-except-https",
  description: "Security groups open nothing but 443 to 0.0.0.0/0 or ::/0.",
  enforcementLevel: "mandatory",
  check(resource) {
    const rule = ingress(resource);
    if (!rule || rule.remoteIpPrefix === undefined || !WORLD.has(rule.remoteIpPrefix)) return [];
    const [min, max] = portRange(rule);
    return min === 443 && max === 443
      ? []
      : [`${resource.name}: ingress from ${rule.remoteIpPrefix} on ports ${min}-${max}; only 443 may be open to the world. Restrict remoteIpPrefix to the lab's CIDRs.`];
  },
};

export const noAllPortsIngress: ResourceRule = {
  name: "no-all-ports-ingress",
  description: "Security group rules name their ports: a 0-0 (or absent) range opens every port.",
  enforcementLevel: "mandatory",
  check(resource) {
    const rule = ingress(resource);
    if (!rule) return [];
    return (rule.portRangeMin ?? 0) === 0 && (rule.portRangeMax ?? 0) === 0
      ? [`${resource.name}: ingress without a port range opens every port; set portRangeMin and portRangeMax.`]
      : [];
  },
};

export const noDatabaseIngress: ResourceRule = {
  name: "no-database-port-ingress",
  description: "Postgres (5432) and MySQL (3306) are never reachable from a CIDR.",
  enforcementLevel: "mandatory",
  check(resource) {
    const rule = ingress(resource);
    if (!rule || rule.remoteIpPrefix === undefined) return [];
    const [min, max] = portRange(rule);
    const exposed = DATABASE_PORTS.filter((port) => port >= min && port <= max);
    return exposed.map((port) => `${resource.name}: ingress from ${rule.remoteIpPrefix} reaches database port ${port}; the database stays on loopback or a private network.`);
  },
};
