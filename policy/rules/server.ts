/** The tracking server's cloud-init pins a safe MLflow and keeps job execution off. */
import { isVersionAtLeast, MLFLOW_MINIMUM_VERSION } from "../../model/versions";
import type { ResourceRule } from "./types";

const INSTANCE = "openstack:compute/instance:Instance";

export const cloudInitPinsSafeMlflow: ResourceRule = {
  name: "cloud-init-pins-safe-mlflow",
  description: `The tracking server's user-data pins MLflow at ${MLFLOW_MINIMUM_VERSION} or later and turns job execution off.`,
  enforcementLevel: "mandatory",
  check(resource) {
    const userData = resource.props.userData;
    if (resource.type !== INSTANCE || typeof userData !== "string" || !userData.includes("mlflow")) return [];
    const violations: string[] = [];
    const pinned = /TARGET_VERSION='([^']+)'|mlflow(?:\[[a-z,]+\])?==([0-9][^\s"']*)/.exec(userData);
    const version = pinned?.[1] ?? pinned?.[2];
    if (version === undefined) {
      violations.push(`${resource.name}: user-data installs MLflow without pinning a version; pin ${MLFLOW_MINIMUM_VERSION} or later.`);
    } else if (!isVersionAtLeast(version, MLFLOW_MINIMUM_VERSION)) {
      violations.push(`${resource.name}: user-data pins MLflow ${version}, below ${MLFLOW_MINIMUM_VERSION} (public CVEs); raise mlflowVersion.`);
    }
    // MLflow 3.x runs jobs unless told not to.
    if (!/MLFLOW_SERVER_ENABLE_JOB_EXECUTION='?false'?/.test(userData)) {
      violations.push(`${resource.name}: user-data does not set MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false; the tracking server must not execute jobs.`);
    }
    return violations;
  },
};
