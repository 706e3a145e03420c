import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { detectionWire, jsonBytes } from "../support/events.js";
import { produce } from "../support/kafka-client.js";
import { type PrometheusServer, startPrometheus } from "../support/prometheus-server.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");

describe("exemplars: from an event's trace_id to a real Prometheus with exemplar storage", () => {
  let aggregator: TestAggregator;
  let prometheus: PrometheusServer;
  const slowTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const fastTrace = "00f067aa0ba902b7";
  const at = Math.floor(Date.now() / 1000) * 1000;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);

  beforeAll(async () => {
    aggregator = await startTestAggregator(brokers, {}, { partitions: 1 });
    const { detectionTopic } = aggregator.config;
    // Event times of now: query_exemplars looks up exemplars by their timestamp.
    await produce(brokers, detectionTopic, [
      {
        value: jsonBytes(
          detectionWire({ camera_id: "dock", latency_seconds: 0.004, trace_id: fastTrace, timestamp: at }),
        ),
      },
      {
        value: jsonBytes(
          detectionWire({ camera_id: "dock", latency_seconds: 7.5, trace_id: slowTrace, timestamp: at + 1 }),
        ),
      },
      { value: jsonBytes(detectionWire({ camera_id: "dock", latency_seconds: 7.1, timestamp: at + 2 })) },
    ]);
    await aggregator.waitForCommitted({ [detectionTopic]: 3 });
    prometheus = await startPrometheus(new URL(aggregator.baseUrl).host, {}, ["exemplar-storage"]);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await aggregator?.stop();
  });

  it("serves the latest exemplar of each bucket in OpenMetrics, and none in the text format", async () => {
    const openMetrics = await (
      await fetch(`${aggregator.baseUrl}/metrics`, { headers: { accept: "application/openmetrics-text" } })
    ).text();
    const buckets = openMetrics
      .split("\n")
      .filter((line) => line.startsWith('detection_latency_seconds_bucket{camera_id="dock"'));
    expect(buckets).toEqual([
      `detection_latency_seconds_bucket{camera_id="dock",model_type="yolov8n",partition="0",le="0.005"} 1 # {trace_id="${fastTrace}"} 0.004 ${seconds(at)}`,
      ...["0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "1", "2.5", "5"].map(
        (le) =>
          `detection_latency_seconds_bucket{camera_id="dock",model_type="yolov8n",partition="0",le="${le}"} 1`,
      ),
      // The event without a trace_id left the bucket's exemplar as it was.
      `detection_latency_seconds_bucket{camera_id="dock",model_type="yolov8n",partition="0",le="10"} 3 # {trace_id="${slowTrace}"} 7.5 ${seconds(at + 1)}`,
      `detection_latency_seconds_bucket{camera_id="dock",model_type="yolov8n",partition="0",le="+Inf"} 3`,
    ]);
    const text = await (await fetch(`${aggregator.baseUrl}/metrics`)).text();
    expect(text).not.toContain(slowTrace);
  });

  it("lets Prometheus answer query_exemplars with the trace_id of the slow frame", async () => {
    const series = await waitFor("exemplars in Prometheus", async () => {
      const found = await prometheus.exemplars('detection_latency_seconds_bucket{camera_id="dock"}');
      return found.length >= 2 ? found : undefined;
    });
    const byBucket = Object.fromEntries(
      series.map((s) => [
        s.seriesLabels.le,
        s.exemplars.map((e) => [e.labels.trace_id, Number(e.value), e.timestamp]),
      ]),
    );
    expect(byBucket).toEqual({
      "0.005": [[fastTrace, 0.004, at / 1000]],
      "10": [[slowTrace, 7.5, (at + 1) / 1000]],
    });
  });
});
