/** How a benchmark reaches a local lab's tracking database: as MLflow's store, and as psycopg2. */
import type { LocalLab } from "../localLab/lab";
import { postgresUri } from "../model/launchSpec";
import { labDatabaseNames } from "../model/names";

/** `owner` names the databases: the lab's own, or a baseline's created beside them. */
export function trackingDatabase(lab: LocalLab, owner: string = lab.name): { readonly storeUri: string; readonly dsn: string } {
  const state = lab.state();
  const names = labDatabaseNames(owner);
  const address = { host: "127.0.0.1", port: state.ports.postgres };
  return {
    storeUri: postgresUri({ role: names.role, password: state.secrets.dbPassword, ...address, database: names.tracking }),
    dsn: `host=${address.host} port=${address.port} dbname=${names.tracking} user=${names.role} password=${state.secrets.dbPassword}`,
  };
}
