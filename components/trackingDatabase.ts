import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { labDatabaseNames, postgresUri } from "../templates/server/database";

export type TrackingDatabaseMode =
  | { readonly mode: "vm" }
  | {
      readonly mode: "existing";
      readonly host: string;
      readonly port: number;
      readonly adminUsername: string;
      readonly adminPassword: pulumi.Input<string>;
      /** libpq sslmode for every connection. */
      readonly sslMode: string;
    };

export interface TrackingDatabaseArgs {
  readonly lab: string;
  /** vm: Postgres on the server's data volume (created by its cloud-init); existing: a server you run. */
  readonly database: TrackingDatabaseMode;
}

export const VM_DATABASE_HOST = "127.0.0.1";
export const VM_DATABASE_PORT = 5432;

/**
 * The tracking store and the auth app's database: a role, two databases and their grants.
 * On an existing server they are created here with @pulumi/postgresql; on the VM, cloud-init
 * creates the same names with the password generated here.
 */
export class TrackingDatabase extends pulumi.ComponentResource {
  readonly roleName: string;
  readonly trackingDatabaseName: string;
  readonly authDatabaseName: string;
  readonly password: pulumi.Output<string>;
  /** SQLAlchemy URI of the tracking store; secret. */
  readonly backendStoreUri: pulumi.Output<string>;
  /** SQLAlchemy URI of the auth app's database; secret. */
  readonly authDatabaseUri: pulumi.Output<string>;

  constructor(name: string, args: TrackingDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mlflow-lab:database:TrackingDatabase", name, {}, opts);

    const names = labDatabaseNames(args.lab);
    this.roleName = names.role;
    this.trackingDatabaseName = names.tracking;
    this.authDatabaseName = names.auth;
    // Letters and digits only: the password sits in URIs and an ini file unescaped.
    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
    this.password = pulumi.secret(password.result);

    const database = args.database;
    const host = database.mode === "existing" ? database.host : VM_DATABASE_HOST;
    const port = database.mode === "existing" ? database.port : VM_DATABASE_PORT;
    const sslMode = database.mode === "existing" ? database.sslMode : undefined;
    const uri = (db: string) =>
      pulumi.secret(this.password.apply((password) => postgresUri({ role: this.roleName, password, host, port, database: db, sslMode })));
    this.backendStoreUri = uri(this.trackingDatabaseName);
    this.authDatabaseUri = uri(this.authDatabaseName);

    if (database.mode === "existing") {
      const provider = new postgresql.Provider(
        `${name}-provider`,
        {
          host: database.host,
          port: database.port,
          username: database.adminUsername,
          password: database.adminPassword,
          sslmode: database.sslMode,
          superuser: false,
        },
        { parent: this },
      );
      const childOpts = { parent: this, provider };
      const role = new postgresql.Role(`${name}-role`, { name: this.roleName, login: true, password: this.password }, childOpts);
      for (const [suffix, databaseName] of [["tracking", this.trackingDatabaseName], ["auth", this.authDatabaseName]] as const) {
        const db = new postgresql.Database(`${name}-${suffix}`, { name: databaseName, owner: role.name }, childOpts);
        new postgresql.Grant(
          `${name}-${suffix}-grant`,
          { database: db.name, role: role.name, objectType: "database", privileges: ["CONNECT", "CREATE", "TEMPORARY"] },
          childOpts,
        );
        // Other roles on a shared server get nothing: an empty grant to PUBLIC revokes its defaults.
        new postgresql.Grant(`${name}-${suffix}-revoke-public`, { database: db.name, role: "public", objectType: "database", privileges: [] }, childOpts);
      }
    }

    this.registerOutputs({ backendStoreUri: this.backendStoreUri, authDatabaseUri: this.authDatabaseUri });
  }
}
