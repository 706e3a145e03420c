import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCommand } from "../support/run-command.js";

const RULES = fileURLToPath(
  new URL("../../deploy/prometheus/rules/metrics-aggregator.rules.yml", import.meta.url),
);
const RULE_TESTS = fileURLToPath(
  new URL("../../deploy/prometheus/tests/metrics-aggregator.rules.test.yml", import.meta.url),
);

describe("Prometheus rules", () => {
  it("pass promtool check rules", async () => {
    expect(await runCommand("promtool", ["check", "rules", RULES])).toContain("SUCCESS: 32 rules found");
  });

  it("pass their promtool unit tests (every alert fires where it should and nowhere else)", async () => {
    expect(await runCommand("promtool", ["test", "rules", RULE_TESTS])).toContain("SUCCESS");
  });
});
