/** Rules over the whole stack. */
import * as yaml from "js-yaml";
import type { PolicyResource, StackRule } from "./types";

const VOLUME = "openstack:blockstorage/volume:Volume";
const EXTERNAL_DATABASE = "postgresql:index/database:Database";
const INSTANCE = "openstack:compute/instance:Instance";

/** What the user-data must set up for the database on the VM to be backed up: read from the rendered files. */
function backupProblems(instance: PolicyResource): string[] {
  const userData = instance.props.userData;
  if (typeof userData !== "string") return [`${instance.name}: its user-data is not known yet, so its backups cannot be checked; run the check again after apply`];
  const document = yaml.load(userData.replace(/^#cloud-config\n/, "")) as { write_files?: { path: string; content: string }[] } | undefined;
  const files = document?.write_files ?? [];
  const find = (suffix: string) => files.find((file) => file.path.endsWith(suffix))?.content ?? "";
  const missing: string[] = [];
  const pgbackrest = find("/pgbackrest.conf");
  if (!/^repo1-type=s3$/m.test(pgbackrest)) missing.push("a pgBackRest repository in the object store");
  if (!/^repo1-cipher-type=aes-256-cbc$/m.test(pgbackrest)) missing.push("an encrypted repository");
  if (!/^repo1-retention-full=\d+$/m.test(pgbackrest)) missing.push("a retention");
  if (!/archive_mode 'on'/.test(find("/mlflow-bootstrap"))) missing.push("WAL archiving");
  for (const timer of ["mlflow-backup-full.timer", "mlflow-backup-diff.timer"]) if (!/^OnCalendar=/m.test(find(timer))) missing.push(`the ${timer}`);
  return missing.length > 0 ? [`${instance.name}: its database is not backed up: missing ${missing.join(", ")}`] : [];
}

export const backupsConfigured: StackRule = {
  name: "backups-configured",
  description: "A lab's tracking database is backed up: pgBackRest to the object store, WAL archived, on a schedule.",
  enforcementLevel: "advisory",
  check(resources) {
    if (resources.some((resource) => resource.type === EXTERNAL_DATABASE)) {
      return ["the tracking database lives on a server mlflow-lab does not manage: make sure its operator backs it up (and restores it before an MLflow upgrade fails)"];
    }
    if (!resources.some((resource) => resource.type === VOLUME)) return [];
    return resources.filter((resource) => resource.type === INSTANCE).flatMap(backupProblems);
  },
};
