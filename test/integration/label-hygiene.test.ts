import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { redact } from "../../src/decode/label-value.js";
import { detectionWire, jsonBytes, llmWire } from "../support/events.js";
import { produce } from "../support/kafka-client.js";
import { acrossPartitions, only } from "../support/scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");
const SECRET_KEY = "sk-proj-Abc123xyz789SecretKeyValue";

/** Label values are cleaned, capped per metric, hashed when they look like secrets, and expire when idle. */
describe("label hygiene and cardinality on the real broker", () => {
  let aggregator: TestAggregator;

  beforeAll(async () => {
    aggregator = await startTestAggregator(
      brokers,
      { seriesLimit: "5", seriesTtl: "3s", labelMaxLength: "12" },
      { partitions: 1 },
    );
  });
  afterAll(async () => {
    await aggregator?.stop();
  });

  it("cuts and cleans label values, folds label sets past SERIES_LIMIT into __overflow__, and hashes secrets", async () => {
    const { detectionTopic, llmTopic } = aggregator.config;
    const cameras = [
      "camera-with-a-very-long-name",
      " cam\u0007\u009bid\n",
      "c3",
      "c4",
      "c5",
      "c6",
      "c7",
      "c8",
    ];
    await produce(
      brokers,
      detectionTopic,
      cameras.flatMap((camera) =>
        [1, 2].map(() => ({ value: jsonBytes(detectionWire({ camera_id: camera })) })),
      ),
    );
    await produce(brokers, llmTopic, [
      { value: jsonBytes(llmWire({ key_id: SECRET_KEY, status: "success" })) },
    ]);
    const samples = acrossPartitions(
      await aggregator.waitForCommitted({ [detectionTopic]: 16, [llmTopic]: 1 }),
    );
    expect(only(samples, "detection_total")).toEqual({
      'detection_total{camera_id="camera-with-",model_type="yolov8n"}': 2,
      'detection_total{camera_id="camid",model_type="yolov8n"}': 2,
      'detection_total{camera_id="c3",model_type="yolov8n"}': 2,
      'detection_total{camera_id="c4",model_type="yolov8n"}': 2,
      'detection_total{camera_id="c5",model_type="yolov8n"}': 2,
      'detection_total{camera_id="__overflow__",model_type="__overflow__"}': 6,
    });
    expect(samples.get('aggregator_series_overflow_total{metric="detection_total"}')).toBe(6);
    expect(samples.get('aggregator_series_overflow_total{metric="llm_requests_total"}')).toBe(0);
    const keys = new Set(
      [...samples.keys()]
        .filter((series) => series.startsWith("api_key_requests_total{"))
        .map((series) => /key_id="([^"]*)"/.exec(series)?.[1]),
    );
    expect([...keys]).toEqual([redact(SECRET_KEY)]);
    expect(samples.get(`api_key_requests_total{key_id="${redact(SECRET_KEY)}",status="success"}`)).toBe(1);
    const body = await (await fetch(`${aggregator.baseUrl}/metrics`)).text();
    expect(body).not.toContain("sk-proj");
  });

  it("forgets label sets idle longer than SERIES_TTL of their partition's record time, which frees room under the limit", async () => {
    const { detectionTopic } = aggregator.config;
    // Expiry follows the records' own timestamps, not the wall clock: a c3 record stamped 4 s later
    // leaves every other label set idle for longer than the 3 s TTL.
    const later = String(Date.now() + 4_000);
    await produce(brokers, detectionTopic, [
      { value: jsonBytes(detectionWire({ camera_id: "c3" })), timestamp: later },
    ]);
    const remaining = await waitFor("idle label sets to expire", async () => {
      // The __overflow__ series is kept: expiring it would reset its counter.
      const series = Object.keys(only(acrossPartitions(await aggregator.scrape()), "detection_total"));
      return series.length === 2 ? series : undefined;
    });
    expect(remaining).toEqual([
      'detection_total{camera_id="c3",model_type="yolov8n"}',
      'detection_total{camera_id="__overflow__",model_type="__overflow__"}',
    ]);
    await produce(brokers, detectionTopic, [
      { value: jsonBytes(detectionWire({ camera_id: "c9" })), timestamp: later },
    ]);
    const samples = await waitFor("c9 to get a series of its own", async () => {
      const s = acrossPartitions(await aggregator.scrape());
      return s.has('detection_total{camera_id="c9",model_type="yolov8n"}') ? s : undefined;
    });
    expect(samples.get('detection_total{camera_id="c9",model_type="yolov8n"}')).toBe(1);
    expect(samples.get('aggregator_series_overflow_total{metric="detection_total"}')).toBe(6);
  });
});
