// The program of a lab stack as a function: index.ts, the engine tests and the mock runtime run it.
import * as pulumi from "@pulumi/pulumi";
import { MlflowLab } from "./components/mlflowLab";
import { loadLabConfig } from "./config/labConfig";
import type { LabConfig } from "./model/labConfig";
import { ValidationError } from "./model/validation";

/**
 * @param onBadConfig report: log every problem once and create nothing (the engine then shows
 *   each problem once, with no stack trace, and fails); throw: hand the ValidationError to the
 *   caller (the offline plan and the tests).
 */
export function labStack(onBadConfig: "report" | "throw" = "report"): Record<string, unknown> {
  let config: LabConfig<pulumi.Output<string>>;
  try {
    config = loadLabConfig();
  } catch (error) {
    if (!(error instanceof ValidationError) || onBadConfig === "throw") throw error;
    void pulumi.log.error(`${error.message}\nNothing was created.`);
    return {};
  }
  if (config.server.hosting === "local") {
    // The embedded lab runs on the admin's machine; there is nothing for Pulumi to deploy.
    const start = `mlflow-lab local up --stack ${pulumi.getStack()}`;
    void pulumi.log.info(`hosting is local: this stack deploys nothing; start its lab with ${start}`);
    return { hosting: "local", start };
  }
  const lab = new MlflowLab(config.lab, { config, server: config.server });
  return {
    /** Secret: render the researcher bundle with `mlflow-lab render --values -`. */
    labValues: lab.labValues,
    trackingUrl: lab.trackingUrl,
    floatingIp: lab.floatingIp,
    bucket: lab.bucketName,
    namespace: lab.namespace,
  };
}
