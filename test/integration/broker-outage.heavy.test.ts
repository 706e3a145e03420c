import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type KafkaBroker, startKafkaContainer } from "../../scripts/kafka-harness/kafka-container.js";
import { detectionWire, jsonBytes } from "../support/events.js";
import { committedOffsets, produce, recordCount, testKafka } from "../support/kafka-client.js";
import { acrossPartitions, only } from "../support/scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";

const containers = inject("containersAvailable");
if (!containers)
  console.warn(
    "[skip] broker outage: KAFKA_HARNESS_CONTAINERS=false, the harness cannot stop a broker of its own",
  );

const OUTAGE_MS = 30_000;

/**
 * Produces 50 events every 100 ms until stopped, as the cameras would. A send
 * the broker does not acknowledge is retried, the same events again, by the
 * same idempotent producer (a retry of a write that did land is dropped by the
 * broker); `acked` counts only what the broker acknowledged.
 */
function startStream(brokers: string, topic: string) {
  const producer = testKafka(brokers).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 2 },
  });
  let running = true;
  let acked = 0;
  let failures = 0;
  const done = (async () => {
    await producer.connect();
    let chunk = events("stream", 50);
    while (running) {
      try {
        await producer.send({ topic, acks: -1, messages: chunk });
        acked += chunk.length;
        chunk = events("stream", 50);
      } catch {
        failures++;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await producer.disconnect();
  })();
  return {
    acked: () => acked,
    failures: () => failures,
    async stop() {
      running = false;
      await done;
    },
  };
}

function events(camera: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    partition: i % 3,
    value: jsonBytes(detectionWire({ camera_id: camera })),
  }));
}

describe.skipIf(!containers)("a 30 s broker outage", () => {
  let broker: KafkaBroker;
  let aggregator: TestAggregator;

  beforeAll(async () => {
    // Its own broker: stopping the shared one would break the tests running beside it.
    broker = await startKafkaContainer(inject("kafkaImage"));
    aggregator = await startTestAggregator(broker.bootstrap, {}, { partitions: 3 });
    await aggregator.waitForReady();
  }, 120_000);
  afterAll(async () => {
    await aggregator?.stop();
    await broker?.close();
  });

  it("turns /readyz to 503 while /metrics keeps answering, recovers by itself, and loses nothing", async () => {
    const { detectionTopic: topic, groupId } = aggregator.config;
    await produce(broker.bootstrap, topic, events("before", 300));
    await waitFor("the first 300 events committed", async () => {
      const offsets = await committedOffsets(broker.bootstrap, groupId, topic);
      return Object.values(offsets).reduce((a, b) => a + b, 0) === 300 ? true : undefined;
    });

    const stream = startStream(broker.bootstrap, topic);
    await waitFor("the stream to flow", () => (stream.acked() >= 500 ? true : undefined));
    const stoppedAt = Date.now();
    await broker.stopBroker();
    const ackedBeforeOutage = stream.acked();
    const scrapesDuringOutage: number[] = [];
    const notReadyAfterMs = await waitFor(
      "/readyz to turn 503",
      async () => {
        scrapesDuringOutage.push((await fetch(`${aggregator.baseUrl}/metrics`)).status);
        return (await fetch(`${aggregator.baseUrl}/readyz`)).status === 503
          ? Date.now() - stoppedAt
          : undefined;
      },
      { timeoutMs: 25_000, intervalMs: 250 },
    );
    const readyz = (await (await fetch(`${aggregator.baseUrl}/readyz`)).json()) as {
      checks: { detail: string }[];
    };
    expect(readyz.checks[0]?.detail).toMatch(/^no answer from Kafka for \d+ s$|^crashed: /);
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      scrapesDuringOutage.push((await fetch(`${aggregator.baseUrl}/metrics`)).status);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(new Set(scrapesDuringOutage)).toEqual(new Set([200]));
    expect((await aggregator.scrape()).get("aggregator_ready")).toBe(0);

    const restartedAt = Date.now();
    await broker.startBroker();
    await waitFor(
      "/readyz 200 again",
      async () => ((await fetch(`${aggregator.baseUrl}/readyz`)).ok ? true : undefined),
      {
        timeoutMs: 120_000,
        intervalMs: 250,
      },
    );
    const recoveryMs = Date.now() - restartedAt;
    const ackedAtRecovery = stream.acked();
    await waitFor(
      "the stream to flow again",
      () => (stream.acked() >= ackedAtRecovery + 500 ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    await stream.stop();
    const streamed = stream.acked();

    await produce(broker.bootstrap, topic, events("after", 300));

    // The truth is what Kafka holds: every acknowledged event is there (a retried send may be there twice).
    const records = await recordCount(broker.bootstrap, topic);
    expect(records).toBeGreaterThanOrEqual(600 + streamed);
    const samples = await waitFor(
      "every record in the committed state",
      async () => {
        const s = await aggregator.scrape();
        const offsets = [0, 1, 2].map(
          (p) => s.get(`aggregator_state_next_offset{topic="${topic}",partition="${p}"}`) ?? 0,
        );
        return offsets.reduce((a, b) => a + b, 0) === records ? s : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const offsets = await committedOffsets(broker.bootstrap, groupId, topic);
    expect(Object.values(offsets).reduce((a, b) => a + b, 0)).toBe(records);
    const counted = only(acrossPartitions(samples), "detection_total");
    const total = Object.values(counted).reduce((a, b) => a + b, 0);
    expect(counted['detection_total{camera_id="before",model_type="yolov8n"}']).toBe(300);
    expect(counted['detection_total{camera_id="after",model_type="yolov8n"}']).toBe(300);
    // Exactly once: whatever was applied and not committed when the broker went away was dropped and restored.
    const duplicates = total - records;
    expect(duplicates).toBe(0);
    console.log(
      `[outage] /readyz 503 after ${notReadyAfterMs} ms; ${scrapesDuringOutage.length} scrapes during the outage all 200; ` +
        `ready again ${recoveryMs} ms after the broker restarted; ${streamed} events streamed through it ` +
        `(${ackedBeforeOutage} before the stop, ${stream.failures()} sends refused during it); ${records} records in Kafka, ` +
        `${total} counted: ${duplicates} duplicates; ${samples.get('aggregator_state_commits_total{result="failed"}')} commits failed and were restored`,
    );
  }, 240_000);
});
