import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { detectionWire, jsonBytes, llmWire } from "../support/events.js";
import { produce } from "../support/kafka-client.js";
import { type PrometheusServer, startPrometheus } from "../support/prometheus-server.js";
import { promtoolCheckMetrics } from "../support/promtool.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");

describe("a real Prometheus scraping the aggregator", () => {
  let aggregator: TestAggregator;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    aggregator = await startTestAggregator(brokers, {}, { partitions: 2 });
    const { detectionTopic, llmTopic } = aggregator.config;
    await produce(brokers, detectionTopic, [
      ...Array.from({ length: 5 }, () => ({
        value: jsonBytes(detectionWire({ camera_id: "7", model_type: "yolov8n" })),
      })),
      ...Array.from({ length: 3 }, () => ({
        value: jsonBytes(detectionWire({ camera_id: "8", model_type: "yolov8m" })),
      })),
      { value: '{"broken":' },
    ]);
    await produce(brokers, llmTopic, [
      { value: jsonBytes(llmWire({ key_id: "key-1", status: "success" })) },
      { value: jsonBytes(llmWire({ key_id: "key-1", status: "error" })) },
    ]);
    await aggregator.waitForCommitted({ [detectionTopic]: 9, [llmTopic]: 2 });
    prometheus = await startPrometheus(new URL(aggregator.baseUrl).host);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await aggregator?.stop();
  });

  it("reads detection_total back through the query API, summed over partitions", async () => {
    const result = await waitFor("detection_total in Prometheus", async () => {
      const rows = await prometheus.query("sum by (job, camera_id, model_type) (detection_total)");
      return rows.length === 2 ? rows : undefined;
    });
    const values = Object.fromEntries(
      result.map((row) => [`${row.metric.camera_id}/${row.metric.model_type}`, row.value[1]]),
    );
    expect(values).toEqual({ "7/yolov8n": "5", "8/yolov8m": "3" });
    expect(result[0]?.metric.job).toBe("metrics-aggregator");
  });

  it("answers the documented PromQL", async () => {
    await waitFor("two scrapes for rate()", async () => {
      const rows = await prometheus.query("count_over_time(up[1m])");
      return Number(rows[0]?.value[1] ?? 0) >= 3 ? true : undefined;
    });
    const rate = await prometheus.query("sum by (camera_id, model_type) (rate(detection_total[1m]))");
    expect(rate.map((row) => Number(row.value[1]))).toEqual([0, 0]);
    const recorded = await waitFor("the recording rules to have run", async () => {
      const rows = await prometheus.query("camera_model:detection:rate1m");
      return rows.length === 2 ? rows : undefined;
    });
    expect(recorded.map((row) => Number(row.value[1]))).toEqual([0, 0]);
    const calls = await prometheus.query(
      'sum by (key_id, status) (api_key_requests_total{status=~"success|error"})',
    );
    expect(
      Object.fromEntries(calls.map((row) => [`${row.metric.key_id}/${row.metric.status}`, row.value[1]])),
    ).toEqual({
      "key-1/success": "1",
      "key-1/error": "1",
    });
    const p95 = await prometheus.query(
      "histogram_quantile(0.95, sum by (provider, model, le) (rate(llm_latency_seconds_bucket[5m])))",
    );
    expect(p95).toHaveLength(1);
    const memory = await prometheus.query("process_resident_memory_bytes / 1024 / 1024");
    expect(memory).toHaveLength(1);
    const cpu = await prometheus.query("rate(process_cpu_seconds_total[1m]) * 100");
    expect(cpu).toHaveLength(1);
    const invalid = await prometheus.query(`aggregator_events_invalid_total{reason="invalid_json"}`);
    expect(Object.fromEntries(invalid.map((row) => [row.metric.topic, row.value[1]]))).toEqual({
      [aggregator.config.detectionTopic]: "1",
      [aggregator.config.llmTopic]: "0",
    });
  });

  it("serves a text-format body promtool accepts without a lint warning", async () => {
    const response = await fetch(`${aggregator.baseUrl}/metrics`, { headers: { accept: "text/plain" } });
    expect(await promtoolCheckMetrics(await response.text())).toEqual({ code: 0, output: "" });
  });

  it("loaded the repository's alerting and recording rules", async () => {
    const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { name: string; type: string }[] }[] };
    };
    expect(Object.fromEntries(rules.data.groups.map((g) => [g.name, g.rules.length]))).toEqual({
      "metrics-aggregator": 32,
    });
  });

  it("was scraped by Prometheus in the format Prometheus prefers", async () => {
    const targets = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as {
      data: { activeTargets: { health: string; lastError: string }[] };
    };
    expect(targets.data.activeTargets.map((t) => [t.health, t.lastError])).toEqual([["up", ""]]);
  });
});
