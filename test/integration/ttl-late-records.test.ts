import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { detectionWire, jsonBytes } from "../support/events.js";
import { produce, type TestMessage } from "../support/kafka-client.js";
import { MonotonicWatch } from "../support/monotonic-watch.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";

const brokers = inject("kafkaBrokers");

/** Record time the partition's clock starts from. */
const BASE = Date.UTC(2026, 10, 20);
/** How far each round moves the partition's clock: the 3 s TTL passes in a few rounds. */
const ROUND_MS = 1_000;
const ROUNDS = 60;

function frame(camera: string, recordTimeMs: number): TestMessage {
  return {
    key: camera,
    partition: 0,
    value: jsonBytes(detectionWire({ camera_id: camera })),
    timestamp: String(recordTimeMs),
  };
}

describe("SERIES_TTL with late records", () => {
  let aggregator: TestAggregator;
  beforeAll(async () => {
    aggregator = await startTestAggregator(
      brokers,
      { seriesTtl: "3s", stateCommitInterval: "500ms" },
      { partitions: 1 },
    );
  });
  afterAll(() => aggregator?.stop());

  it("never shows a series lower than before while it stays on /metrics: an expired one leaves, and starts again at 0 only after", async () => {
    // Every 50 ms, as Prometheus sees series: one that is gone from a scrape has ended.
    const watch = new MonotonicWatch(() => [aggregator.baseUrl], 50, { forgetAbsent: true });
    let produced = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const now = BASE + round * ROUND_MS;
      const batch = [
        // "live" moves the partition's clock on.
        frame("live", now),
        // Late records for "late": stamped at the start, they never make it younger, so it keeps expiring
        // while records keep touching it.
        frame("late", BASE),
        frame("late", BASE),
        // "back" sleeps for ten rounds (its TTL passes), then comes back on time.
        ...(round % 10 === 0 ? [frame("back", now)] : []),
      ];
      await produce(brokers, aggregator.config.detectionTopic, batch);
      produced += batch.length;
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
    await aggregator.waitForCommitted({ [aggregator.config.detectionTopic]: produced });
    const report = await watch.stop();
    expect(report.decreases).toEqual([]);
    expect(report.scrapes).toBeGreaterThan(100);
    console.log(
      `[ttl] ${produced} records (${(ROUNDS * 2).toString()} late), ${report.scrapes} scrapes every 50 ms, ${report.decreases.length} decreases`,
    );
  }, 60_000);
});
