import { readFileSync } from "node:fs";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { eventFamilies } from "../../src/aggregate/event-families.js";
import { builtinMappings } from "../../src/aggregate/event-mappings.js";
import { SETTINGS } from "../../src/config/settings.js";
import { REJECT_REASONS, SKIP_REASONS } from "../../src/events/reject-reason.js";
import { RegistryMetrics } from "../../src/self-metrics/registry-metrics.js";
import { SelfMetrics } from "../../src/self-metrics/self-metrics.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("documents every setting with its flag and default", () => {
    for (const spec of Object.values(SETTINGS)) {
      expect(readme).toContain(`| \`${spec.env}\` | \`${spec.flag}\` | \`${spec.defaultValue}\` |`);
    }
  });

  it("documents every metric the service exports", () => {
    const families = eventFamilies(
      builtinMappings({ detectionBuckets: [1], llmBuckets: [1], successRateWindowMs: 1_000 }),
      () => [],
    );
    const registry = new Registry();
    new SelfMetrics(registry, ["t"], "0");
    new RegistryMetrics(registry);
    const names = [...families.all.map((f) => f.name), ...registry.getMetricsAsArray().map((m) => m.name)];
    for (const name of names) expect(readme).toContain(`| \`${name}\` |`);
  });

  it("documents every reject and skip reason", () => {
    for (const reason of [...REJECT_REASONS, ...SKIP_REASONS]) expect(readme).toContain(`\`${reason}\``);
  });
});
