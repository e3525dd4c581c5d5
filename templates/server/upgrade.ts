/**
 * mlflow-upgrade, rendered once for the VM and the local lab: each MLflow version in its own
 * venv under VENVS_DIR, the launch's venv a link to the one in use, a full backup and one run of
 * the migrations on a version change, and a rollback to the pre-upgrade backup when anything fails.
 */
import type { BackupSpec, UpgradeSite } from "../../model/backupSpec";
import type { ServerLaunchSpec } from "../../model/launchSpec";
import { bashAssignment, quoteForBash } from "../shell";
import { backupScriptHead } from "./backup";
import type { RenderedFile } from "./launch";
import { serverFilePaths } from "./launch";
import { scriptBody } from "./scripts";

export function upgradeScriptPath(launch: ServerLaunchSpec): string {
  return `${launch.layout.binDir}/mlflow-upgrade`;
}

/**
 * @param hasBackup false where pgBackRest does not back the database up (databaseMode existing):
 *   the upgrade then cannot restore, and says so if it fails.
 */
export function renderUpgradeScript(launch: ServerLaunchSpec, site: UpgradeSite, backup: BackupSpec, hasBackup: boolean): RenderedFile {
  const head = [
    ...backupScriptHead(backup, launch, "Upgrades MLflow safely: backup, migrations once, health check, rollback."),
    bashAssignment("HAS_BACKUP", hasBackup ? "yes" : "no"),
    bashAssignment("TARGET_VERSION", site.targetVersion),
    bashAssignment("VENVS_DIR", site.venvsDir),
    bashAssignment("VENV_LINK", launch.layout.venvDir),
    bashAssignment("INSTALL_VENV", site.installVenv),
    bashAssignment("MIGRATE", serverFilePaths(launch.layout).migrate),
    `AS_SERVICE=(${site.asService.map(quoteForBash).join(" ")})`,
  ];
  return { path: upgradeScriptPath(launch), content: [...head, scriptBody("mlflow-upgrade")].join("\n"), mode: 0o700 };
}
