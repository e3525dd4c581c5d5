/** All the researcher files of one lab, as data: name, text and whether it holds a credential. */
import * as path from "node:path";
import { renderAwsCredentials, renderInstallScript, renderMlflowCredentials } from "./credentials";
import { batchJobEnvironment, mlflowEnvironment, offlineEnvironment } from "./environment";
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

  const files: BundleFile[] = [
    { name: BUNDLE_FILES.env, content: renderEnvFile(values.lab, environment), secret: holdsSecret },
    { name: BUNDLE_FILES.kubernetesConfig, content: renderKubernetesConfig(values, path.join(bundleDir, BUNDLE_FILES.jobTemplate)), secret: false },
    { name: BUNDLE_FILES.jobTemplate, content: renderJobTemplate(values), secret: false },
    // Travels with the project and into the job log: no credential (see batchJobEnvironment).
    { name: BUNDLE_FILES.mltfConfig, content: renderMltfConfig(values, batchJobEnvironment(values, caCertPath)), secret: false },
  ];
  const { tracking, artifacts } = values;
  if (tracking) files.push({ name: BUNDLE_FILES.mlflowCredentials, content: renderMlflowCredentials(tracking), secret: true });
  if (artifacts.mode === "direct") {
    files.push({ name: BUNDLE_FILES.awsCredentials, content: renderAwsCredentials(values.lab, artifacts.accessKeyId, artifacts.secretAccessKey), secret: true });
  }
  if (tracking || artifacts.mode === "direct") {
    files.push({ name: BUNDLE_FILES.installCredentials, content: renderInstallScript({ mlflow: tracking !== undefined, aws: artifacts.mode === "direct" }), secret: false });
  }
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
