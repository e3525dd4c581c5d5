/** All the researcher files of one lab, as data: name, text and whether it holds a credential. */
import * as path from "node:path";
import { mlflowEnvironment, offlineEnvironment } from "./environment";
import { renderEnvFile, renderOfflineEnvFile } from "./envFile";
import { renderJobTemplate, renderKubernetesConfig } from "./kubernetes";
import { renderLabReadme } from "./labReadme";
import type { LabValues } from "../../model/labValues";
import { BUNDLE_FILES } from "../../model/names";
import { renderMltfConfig } from "./mltf";

export interface BundleFile {
  readonly name: string;
  readonly content: string;
  /** Written mode 0600 when true. */
  readonly secret: boolean;
}


/**
 * @param bundleDir absolute directory the files will live in: the Run:ai config and the CA
 *   path must name files there by absolute path, since tools read them from other directories.
 */
export function renderBundle(values: LabValues, bundleDir: string): BundleFile[] {
  if (!path.isAbsolute(bundleDir)) throw new Error(`bundleDir must be absolute, got ${JSON.stringify(bundleDir)}`);
  const caCertPath = values.tls?.caCertPem !== undefined ? path.join(bundleDir, BUNDLE_FILES.caCert) : values.tls?.caCertPath;
  const environment = mlflowEnvironment(values, caCertPath);
  const holdsSecret = environment.some((variable) => variable.secret);
  const mltfHoldsSecret = holdsSecret || Object.keys(values.slurm.extraEnvironment).length > 0;

  const files: BundleFile[] = [
    { name: BUNDLE_FILES.env, content: renderEnvFile(values.lab, environment), secret: holdsSecret },
    { name: BUNDLE_FILES.kubernetesConfig, content: renderKubernetesConfig(values, path.join(bundleDir, BUNDLE_FILES.jobTemplate)), secret: false },
    { name: BUNDLE_FILES.jobTemplate, content: renderJobTemplate(values), secret: false },
    { name: BUNDLE_FILES.mltfConfig, content: renderMltfConfig(values, environment), secret: mltfHoldsSecret },
  ];
  if (values.offline) {
    files.push({ name: BUNDLE_FILES.offlineEnv, content: renderOfflineEnvFile(values.lab, offlineEnvironment(values)), secret: false });
  }
  if (values.tls?.caCertPem !== undefined) {
    files.push({ name: BUNDLE_FILES.caCert, content: values.tls.caCertPem, secret: false });
  }
  const names = [...files.map((file) => file.name), BUNDLE_FILES.readme];
  files.push({ name: BUNDLE_FILES.readme, content: renderLabReadme(values, names), secret: false });
  return files;
}
