import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DatabaseChoice } from "../model/labConfig";
import { labDatabaseNames } from "../model/names";

/** vm: Postgres on the server's data volume (created by its cloud-init); existing: a server you run. */
export type TrackingDatabaseMode = DatabaseChoice<pulumi.Input<string>>;

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
  /** The role's generated password; secret. */
  readonly password: pulumi.Output<string>;
  /** Where the server reaches Postgres. */
  readonly address: { readonly host: string; readonly port: number; readonly sslMode?: string };

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
    this.address =
      database.mode === "existing" ? { host: database.host, port: database.port, sslMode: database.sslMode } : { host: VM_DATABASE_HOST, port: VM_DATABASE_PORT };

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

    this.registerOutputs({ roleName: this.roleName, address: this.address });
  }
}
