import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 600_000,
    // Pulumi's runtime keeps global state (mocks, stack): one file per worker process.
    pool: "forks",
  },
});
