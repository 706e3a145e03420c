import { defineConfig } from "vitest/config";

/**
 * Three projects:
 * - `unit`: pure code, no I/O and no broker (`npm run test:unit` runs it alone, Docker or not);
 * - `suite`: everything else, two files at a time against one shared broker;
 * - `heavy` (`*.heavy.test.ts`): tests that load both cores for tens of seconds (their own brokers,
 *   several service processes, large backlogs). Beside each other, or beside the rest of the suite,
 *   they starve the shared broker and the clients' heartbeats: sessions time out, groups rebalance,
 *   and timings flake. They run one at a time, after everything else.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    setupFiles: ["test/support/process-warnings.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/docs/**/*.test.ts"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "suite",
          globalSetup: ["test/support/global-setup.ts"],
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**", "test/docs/**", "test/**/*.heavy.test.ts"],
          // Integration tests share one broker and two cores; more workers only add contention.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "heavy",
          globalSetup: ["test/support/global-setup.ts"],
          include: ["test/**/*.heavy.test.ts"],
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
