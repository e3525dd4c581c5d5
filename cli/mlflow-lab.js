#!/usr/bin/env node
// Entry point of the `mlflow-lab` command: runs the TypeScript CLI through tsx, no build step.
require("tsx/cjs");
require("./main.ts");
