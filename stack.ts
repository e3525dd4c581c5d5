// The program of a lab stack as a function, so the mock runtime can run it as index.ts does.
import { MlflowLab } from "./components/mlflowLab";
import { loadLabConfig } from "./config/labConfig";

export function labStack() {
  const config = loadLabConfig();
  const lab = new MlflowLab(config.lab, { config });
  return {
    /** Secret: render the researcher bundle with `mlflow-lab render --values -`. */
    labValues: lab.labValues,
    trackingUrl: lab.trackingUrl,
    floatingIp: lab.floatingIp,
    bucket: lab.bucketName,
    namespace: lab.namespace,
  };
}
