/** All the researcher files of one lab, as data: name, text and whether it holds a credential. */
import * as path from "node:path";
import { mlflowEnvironment, offlineEnvironment } from "./environment";
import { renderEnvFile, renderOfflineEnvFile } from "./envFile";
import { JOB_TEMPLATE_FILE, renderJobTemplate, renderKubernetesConfig } from "./kubernetes";
import { renderLabReadme } from "./labReadme";
import type { LabValues } from "../../model/labValues";
import { renderMltfConfig } from "./mltf";

export interface BundleFile {
  readonly name: string;
  readonly content: string;
  /** Written mode 0600 when true. */
  readonly secret: boolean;
}

export const CA_CERT_FILE = "lab-ca.pem";

/**
 * @param bundleDir absolute directory the files will live in: the Run:ai config and the CA
 *   path must name files there by absolute path, since tools read them from other directories.
 */
export function renderBundle(values: LabValues, bundleDir: string): BundleFile[] {
  if (!path.isAbsolute(bundleDir)) throw new Error(`bundleDir must be absolute, got ${JSON.stringify(bundleDir)}`);
  const caCertPath = values.tls?.caCertPem !== undefined ? path.join(bundleDir, CA_CERT_FILE) : values.tls?.caCertPath;
  const environment = mlflowEnvironment(values, caCertPath);
  const holdsSecret = environment.some((variable) => variable.secret);
  const mltfHoldsSecret = holdsSecret || Object.keys(values.slurm.extraEnvironment).length > 0;

  const files: BundleFile[] = [
    { name: "mlflow_env.sh", content: renderEnvFile(values.lab, environment), secret: holdsSecret },
    { name: "kubernetes_config.json", content: renderKubernetesConfig(values, path.join(bundleDir, JOB_TEMPLATE_FILE)), secret: false },
    { name: JOB_TEMPLATE_FILE, content: renderJobTemplate(values), secret: false },
    { name: "mltf_config.json", content: renderMltfConfig(values, environment), secret: mltfHoldsSecret },
  ];
  if (values.offline) {
    files.push({ name: "mlflow_env.offline.sh", content: renderOfflineEnvFile(values.lab, offlineEnvironment(values)), secret: false });
  }
  if (values.tls?.caCertPem !== undefined) {
    files.push({ name: CA_CERT_FILE, content: values.tls.caCertPem, secret: false });
  }
  const names = [...files.map((file) => file.name), "README.md"];
  files.push({ name: "README.md", content: renderLabReadme(values, names), secret: false });
  return files;
}
