#!/usr/bin/env node
// Entry point of a local lab's supervisor process (started detached by `mlflow-lab local up`).
require("tsx/cjs");
const { Supervisor } = require("./supervisor.ts");
new Supervisor(process.argv[2]).run().catch((error) => {
  console.error(error);
  process.exit(1);
});
