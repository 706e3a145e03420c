import { afterAll, describe, expect, inject, it } from "vitest";
import { detectionWire, jsonBytes } from "../support/events.js";
import { produce } from "../support/kafka-client.js";
import { type DecodedFamily, labelsOf, nativeCounts, scrapeProtobuf } from "../support/protobuf-scrape.js";
import { scrape } from "../support/scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";

const brokers = inject("kafkaBrokers");
const EVENTS = 2_000;

/** Latencies from 1 µs to 1,000,000 s, twelve orders of magnitude, in a scrambled order. */
const latencies = Array.from(
  { length: EVENTS },
  (_, i) => 10 ** (-6 + (12 * ((i * 7919) % EVENTS)) / EVENTS),
);

function wideHistogram(families: DecodedFamily[]) {
  const family = families.find((f) => f.name === "detection_latency_seconds");
  const metric = family?.metric.find((m) => labelsOf(m).camera_id === "wide");
  if (metric?.histogram === undefined) throw new Error("no histogram for camera wide");
  return metric.histogram;
}

describe("native histograms, durable", () => {
  const running: TestAggregator[] = [];
  afterAll(async () => {
    for (const aggregator of running) await aggregator.stop().catch(() => {});
  });

  it("keep a label set spread over 12 orders of magnitude within its bucket limit, and restore the very same buckets", async () => {
    const first = await startTestAggregator(brokers, {}, { partitions: 1 });
    running.push(first);
    const { detectionTopic, llmTopic, groupId } = first.config;
    await produce(
      brokers,
      detectionTopic,
      latencies.map((latency) => ({
        value: jsonBytes(
          detectionWire({ camera_id: "wide", model_type: "yolov8n", latency_seconds: latency }),
        ),
      })),
    );
    await first.waitForCommitted({ [detectionTopic]: EVENTS });
    const before = wideHistogram(await scrapeProtobuf(first.baseUrl));

    // Schema 3 would need 320 buckets; halved once, schema 2 needs 160: the limit.
    expect(before.schema).toBe(2);
    expect(before.sample_count).toBe(EVENTS);
    expect(before.sample_sum).toBe(latencies.reduce((a, b) => a + b, 0));
    const counts = nativeCounts(before);
    const indexes = [...counts.keys()];
    expect(Math.max(...indexes) - Math.min(...indexes) + 1).toBeLessThanOrEqual(160);
    // Each latency in the bucket (2^((k-1)/4), 2^(k/4)] of schema 2, computed here from the latencies.
    const expected = new Map<number, number>();
    for (const latency of latencies) {
      const k = Math.ceil(Math.log2(latency) * 4);
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(expected));
    // The classic buckets carry on beside them, in the text formats too.
    const text = await scrape(first.baseUrl);
    expect(
      text.get('detection_latency_seconds_count{camera_id="wide",model_type="yolov8n",partition="0"}'),
    ).toBe(EVENTS);

    await first.stop();
    running.pop();
    const second = await startTestAggregator(
      brokers,
      { groupId, detectionTopic, llmTopic },
      { create: async () => {} },
    );
    running.push(second);
    await second.waitForReady();
    const after = wideHistogram(await scrapeProtobuf(second.baseUrl));
    expect(after).toEqual(before);
  });
});
