import { defineConfig } from "vitest/config";

/**
 * Tests that load both cores for tens of seconds (their own brokers, several
 * service processes, large backlogs). Beside each other, or beside the rest
 * of the suite, they starve the shared broker and the clients' heartbeats:
 * sessions time out, groups rebalance and replay, and exact counts flake.
 * They run one at a time, after everything else.
 */
const HEAVY = [
  "test/integration/broker-outage.test.ts",
  "test/integration/crash-recovery.test.ts",
  "test/integration/scale-out.test.ts",
  "test/integration/back-pressure.test.ts",
  "test/integration/kafka-security.test.ts",
  "test/integration/kafka-harness.test.ts",
  "test/e2e/demo.test.ts",
  "test/deploy/container-image.test.ts",
];

export default defineConfig({
  test: {
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ["test/**/*.test.ts"],
          exclude: HEAVY,
          // Integration tests share one broker and two cores; more workers only add contention.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "heavy", include: HEAVY, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
