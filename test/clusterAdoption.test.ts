/**
 * A rebuilt VM (new root disk, same data volume) must adopt the volume's Postgres cluster. The
 * VM test found pg_createcluster refusing it ("required configuration file .../postgresql.conf
 * does not exist"): Debian keeps a cluster's configuration in /etc, which the rebuild lost. Here
 * the bootstrap's own function runs with Debian's real pg_createcluster, initdb and postgres,
 * with /etc/postgresql moved to scratch folders (PG_CLUSTER_CONF_ROOT) for the two "root disks".
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderBootstrapScript } from "../templates/server/bootstrap";
import { runBash } from "./helpers/bash";
import { vmCloudInitSpec } from "./helpers/serverSpec";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-adoption-"));
// The newest installed Postgres, as the bootstrap picks it; pg_createcluster logs there.
const PG_VERSION = fs.readdirSync("/usr/lib/postgresql").sort((a, b) => Number(a) - Number(b)).at(-1);
const SERVER_LOG = `/var/log/postgresql/postgresql-${PG_VERSION}-mlflow.log`;
const serverLogExisted = fs.existsSync(SERVER_LOG);

// Starts the volume's cluster with one root disk's configuration, runs SQL, stops it.
const DRILL = String.raw`
set -euo pipefail
work=$WORK
source "$work/mlflow-bootstrap"
PG_VERSION=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
bin=/usr/lib/postgresql/$PG_VERSION/bin
data=$work/volume/data
install -d -o postgres -g postgres -m 0700 "$work/volume" "$work/run"
with_cluster() {
  local conf=$1/$PG_VERSION/mlflow/postgresql.conf sql=$2
  runuser -u postgres -- "$bin/pg_ctl" -D "$data" -w -l "$work/run/postgres.log" \
    -o "-c config_file=$conf -c port=54329 -c unix_socket_directories=$work/run -c external_pid_file=" start >/dev/null
  runuser -u postgres -- psql -h "$work/run" -p 54329 -At -v ON_ERROR_STOP=1 -c "$sql" postgres
  runuser -u postgres -- "$bin/pg_ctl" -D "$data" -w stop >/dev/null
}

PG_CLUSTER_CONF_ROOT=$work/etc-first create_or_adopt_cluster "$data" >/dev/null
with_cluster "$work/etc-first" "CREATE TABLE runs (name text); INSERT INTO runs VALUES ('run-a')" >/dev/null
rm -rf "$work/etc-first"   # the old root disk is gone

adoption=$(PG_CLUSTER_CONF_ROOT=$work/etc-second create_or_adopt_cluster "$data")
echo "adoption: $(tr '\n' ' ' <<<"$adoption")"
echo "registered: $(PG_CLUSTER_CONF_ROOT=$work/etc-second pg_lsclusters --no-header | tr -s ' ')"
echo "runs: $(with_cluster "$work/etc-second" "SELECT name FROM runs")"
echo "tcp auth: $(grep -E '^host +all +all' "$work/etc-second/$PG_VERSION/mlflow/pg_hba.conf" | tr -s ' ' | cut -d' ' -f5 | sort -u | tr '\n' ' ')"
`;

describe("a rebuilt VM's bootstrap and the Postgres cluster on its data volume", () => {
  afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
    if (!serverLogExisted) fs.rmSync(SERVER_LOG, { force: true });
  });

  it("adopts the cluster a previous root disk created: the same data, reached with passwords over TCP", () => {
    fs.chmodSync(work, 0o755);
    fs.writeFileSync(path.join(work, "mlflow-bootstrap"), renderBootstrapScript({ ...vmCloudInitSpec(), tlsMode: "files" }));
    const report = runBash(DRILL, { env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", WORK: work } });

    expect(report).toMatch(/^adoption: \[mlflow-bootstrap\] adopting the Postgres cluster on the data volume .*Configuring already existing cluster/m);
    expect(report).toMatch(new RegExp(`^registered: \\d+ mlflow \\d+ down postgres ${work}/volume/data `, "m"));
    expect(report).toMatch(/^runs: run-a$/m);
    expect(report).toMatch(/^tcp auth: scram-sha-256 $/m);
  }, 120_000);
});
