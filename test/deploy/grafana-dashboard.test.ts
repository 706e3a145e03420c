import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { detectionWire, jsonBytes, llmWire } from "../support/events.js";
import { produce } from "../support/kafka-client.js";
import { type PrometheusServer, startPrometheus } from "../support/prometheus-server.js";
import { scrapeProtobuf } from "../support/protobuf-scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { refId: string; expr: string; datasource: { uid: string } }[];
}

const dashboard = JSON.parse(
  readFileSync(new URL("../../deploy/grafana/dashboards/metrics-aggregator.json", import.meta.url), "utf8"),
) as { uid: string; title: string; panels: Panel[] };
const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
]);

/** Metric names an expression reads: identifiers outside label matchers and groupings that are not function calls. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, "")
    .replace(/\{[^}]*\}/g, "")
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, "")
    .replace(/\[[^\]]*\]/g, "");
  const names = [...stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?/g)]
    .filter((match) => match[2] === undefined && !KEYWORDS.has(match[1] as string))
    .map((match) => match[1] as string);
  return [...new Set(names)];
}

const RULES = new URL("../../deploy/prometheus/rules/metrics-aggregator.rules.yml", import.meta.url);

describe("the Grafana dashboard", () => {
  let aggregator: TestAggregator;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    aggregator = await startTestAggregator(inject("kafkaBrokers"), {}, { partitions: 1 });
    const { detectionTopic, llmTopic } = aggregator.config;
    await produce(inject("kafkaBrokers"), detectionTopic, [
      { value: jsonBytes(detectionWire()) },
      { value: "{" },
    ]);
    await produce(inject("kafkaBrokers"), llmTopic, [{ value: jsonBytes(llmWire()) }]);
    await aggregator.waitForCommitted({ [detectionTopic]: 2, [llmTopic]: 1 });
    prometheus = await startPrometheus(new URL(aggregator.baseUrl).host);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await aggregator?.stop();
  });

  it("is a provisionable dashboard whose panels all query the provisioned Prometheus", () => {
    expect(dashboard.uid).toBe("metrics-aggregator");
    expect(dashboard.panels.map((p) => p.title)).toEqual([
      "Detections/s per camera and model",
      "Detection latency p50 / p95 per model",
      "Objects and groups per frame",
      "Seconds since each camera's last event",
      "LLM requests/s by status",
      "LLM latency p95 per model",
      "Tokens/s",
      "API key success rate",
      "Consumer lag per partition",
      "Invalid events/s by reason",
      "Aggregator memory",
      "Aggregator CPU",
      "Detection latency p50 / p95 / p99 per model (native)",
      "LLM latency p50 / p95 / p99 per model (native)",
    ]);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe("prometheus");
      expect(panel.targets.length).toBeGreaterThanOrEqual(1);
      for (const target of panel.targets) expect(target.datasource.uid).toBe("prometheus");
    }
  });

  it("has only queries the real Prometheus parses and runs", async () => {
    for (const expr of expressions) {
      await expect(prometheus.query(expr.replaceAll("$__rate_interval", "1m")), expr).resolves.toBeInstanceOf(
        Array,
      );
    }
  });

  it("names only metrics the aggregator exports, or the repository's rules record from them", async () => {
    const body = await (await fetch(`${aggregator.baseUrl}/metrics`)).text();
    const exported = new Set(
      body
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => line.split(/[{ ]/)[0] as string),
    );
    // What Prometheus ingests with native histograms on: each histogram under its own name too.
    for (const family of await scrapeProtobuf(aggregator.baseUrl)) exported.add(family.name);
    const rules = parse(readFileSync(RULES, "utf8")) as {
      groups: { rules: { record?: string; expr: string }[] }[];
    };
    const recorded = new Map(
      rules.groups.flatMap((g) => g.rules.filter((r) => r.record).map((r) => [r.record as string, r.expr])),
    );
    // A recorded name counts if every metric its rule reads is exported (or recorded in turn).
    const known = (name: string): boolean =>
      exported.has(name) || (recorded.has(name) && metricNames(recorded.get(name) as string).every(known));
    const named = [...new Set(expressions.flatMap(metricNames))].sort();
    expect(named.filter((name) => !known(name))).toEqual([]);
    expect(named).toContain("partition:detection_latency_seconds_bucket:max");
    expect(named).toContain("process_resident_memory_bytes");
    expect(named).toContain("partition:detection_latency_seconds:newest");
  });
});
