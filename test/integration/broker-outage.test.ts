import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { detectionWire, jsonBytes } from "../support/events.js";
import { committedOffsets, produce } from "../support/kafka-client.js";
import { type KafkaBroker, startKafkaContainer } from "../support/kafka-container.js";
import { only } from "../support/scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";

const containers = inject("containersAvailable");
if (!containers)
  console.warn(
    "[skip] broker outage: KAFKA_HARNESS_CONTAINERS=false, the harness cannot stop a broker of its own",
  );

const OUTAGE_MS = 30_000;

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
    broker = await startKafkaContainer();
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

    const stoppedAt = Date.now();
    await broker.stopBroker();
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

    await produce(broker.bootstrap, topic, events("after", 300));
    const samples = await aggregator.waitForConsumed({ [topic]: 600 }, 60_000);
    expect(only(samples, "detection_total")).toEqual({
      'detection_total{camera_id="before",model_type="yolov8n"}': 300,
      'detection_total{camera_id="after",model_type="yolov8n"}': 300,
    });
    console.log(
      `[outage] /readyz 503 after ${notReadyAfterMs} ms; ${scrapesDuringOutage.length} scrapes during the outage all 200; ` +
        `ready again ${recoveryMs} ms after the broker restarted`,
    );
  }, 240_000);
});
