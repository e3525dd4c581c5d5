// A lab stack: load and validate the config, build the lab, export what the bundle and the admin need.
import { MlflowLab } from "./components/mlflowLab";
import { loadLabConfig } from "./config/labConfig";

const config = loadLabConfig();
const lab = new MlflowLab(config.lab, { config });

/** Secret: render the researcher bundle with `mlflow-lab render --values -`. */
export const labValues = lab.labValues;
export const trackingUrl = lab.trackingUrl;
export const floatingIp = lab.floatingIp;
export const bucket = lab.bucketName;
export const namespace = lab.namespace;
