import type { RawConfig } from "../../config/schema";

/** The smallest valid raw stack config of a lab: every required key, nothing else. */
export function minimalRawConfig(): RawConfig {
  return {
    lab: "ocean-lab",
    openstackProjectId: "0123456789abcdef0123456789abcdef",
    serverImage: "Ubuntu-24.04-Noble-x64-2024-06",
    serverFlavor: "p4-6gb",
    networkName: "def-ocean-network",
    keyPairName: "ocean-admin",
    adminCidr: "198.51.100.7/32",
    labCidrs: '["203.0.113.0/24","2001:db8::/48"]',
    hostname: "mlflow.ocean-lab.example.org",
    s3EndpointUrl: "https://object-arbutus.example.org",
    runaiImageRepository: "registry.example.org/ocean/mlflow",
  };
}
