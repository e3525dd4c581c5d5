/**
 * The credential files of a bundle, for batch jobs that must not carry secrets in their config
 * or environment: MLflow reads `~/.mlflow/credentials` (section [mlflow]) when the environment
 * has no credentials, boto3 reads a profile of `~/.aws/credentials`. Cluster homes are private
 * and shared by the login and compute nodes, so one install serves every job.
 */
import type { LabValues } from "../../model/labValues";
import { awsProfileName, BUNDLE_FILES } from "../../model/names";

/**
 * One `key = value` line as Python's configparser reads it back: it strips the value and ends it
 * at a line break, and MLflow's parser (interpolating) reads `%%` as `%`.
 */
function iniLine(key: string, value: string, interpolated: boolean): string {
  if (/[\r\n\0]/.test(value) || value !== value.trim() || value === "") {
    throw new Error(`${key} cannot be written to a credentials file: it is empty, spans lines or starts or ends with a space`);
  }
  return `${key} = ${interpolated ? value.replaceAll("%", "%%") : value}`;
}

export function renderMlflowCredentials(tracking: NonNullable<LabValues["tracking"]>): string {
  return ["[mlflow]", iniLine("mlflow_tracking_username", tracking.username, true), iniLine("mlflow_tracking_password", tracking.password, true), ""].join("\n");
}

export function renderAwsCredentials(lab: string, accessKeyId: string, secretAccessKey: string): string {
  // botocore reads without interpolation: values go in as they are.
  return [`[${awsProfileName(lab)}]`, iniLine("aws_access_key_id", accessKeyId, false), iniLine("aws_secret_access_key", secretAccessKey, false), ""].join("\n");
}

/** `bash install_credentials.sh`: merges the bundle's sections into the home's files, mode 0600. */
export function renderInstallScript(files: { mlflow: boolean; aws: boolean }): string {
  const installs = [
    ...(files.mlflow ? [`merge "$here/${BUNDLE_FILES.mlflowCredentials}" "$HOME/.mlflow/credentials"`] : []),
    ...(files.aws ? [`merge "$here/${BUNDLE_FILES.awsCredentials}" "$HOME/.aws/credentials"`] : []),
  ];
  return `#!/usr/bin/env bash
# Installs this bundle's credentials in your home, for batch jobs (Slurm through mltf_backend):
# MLflow reads ~/.mlflow/credentials, boto3 the lab's profile in ~/.aws/credentials. Only the
# lab's sections are replaced; other sections stay. Run it again after the admin renders a new
# bundle. The files are mode 0600, their folders 0700.
set -euo pipefail
here=$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)
umask 077

merge() {
  mkdir -p "$(dirname "$2")"
  chmod 700 "$(dirname "$2")"
  python3 - "$1" "$2" <<'PYTHON'
import configparser, os, sys

source, target = sys.argv[1], sys.argv[2]
merged, incoming = configparser.RawConfigParser(), configparser.RawConfigParser()
merged.read(target)
incoming.read(source)
for section in incoming.sections():
    merged.remove_section(section)
    merged.add_section(section)
    for key, value in incoming.items(section):
        merged.set(section, key, value)
partial = target + ".partial"
with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
    merged.write(out)
os.replace(partial, target)
os.chmod(target, 0o600)
print("installed [%s] in %s" % ("], [".join(incoming.sections()), target))
PYTHON
}

${installs.join("\n")}
`;
}
