import { describe, expect, inject, it } from "vitest";
import { detectionWire, jsonBytes } from "../support/events.js";
import { committedOffsets, produce } from "../support/kafka-client.js";
import { scrape } from "../support/scrape.js";
import { serviceSetup, spawnService } from "../support/service-process.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");
const TOTAL = 6_000;

describe("SIGTERM mid-stream", () => {
  it("commits what it counted, so a restarted aggregator neither misses nor repeats events", async () => {
    const { detectionTopic, groupId, env } = await serviceSetup(brokers, 3);
    const events = Array.from({ length: TOTAL }, (_, i) => ({
      partition: i % 3,
      value: jsonBytes(detectionWire({ camera_id: String(i % 4) })),
    }));

    const first = spawnService(env);
    const firstUrl = await first.baseUrl();
    // Produce while the first aggregator consumes; stop it once it has counted some but not all.
    const producing = produce(brokers, detectionTopic, events);
    await waitFor("the first aggregator to be mid-stream", async () => {
      const consumed =
        (await scrape(firstUrl)).get(`aggregator_events_consumed_total{topic="${detectionTopic}"}`) ?? 0;
      return consumed > 0 ? consumed : undefined;
    });
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    await producing;

    const stopped = first.logs.find((line) => line.event === "consumer_stopped") as {
      nextOffsets: Record<string, string>;
    };
    const committed = await committedOffsets(brokers, groupId, detectionTopic);
    const processed = Object.fromEntries(
      Object.entries(stopped.nextOffsets)
        .filter(([key]) => key.startsWith(`${detectionTopic}:`))
        .map(([key, offset]) => [Number(key.split(":")[1]), Number(offset)]),
    );
    // Everything the first process counted is committed, partition by partition.
    expect(committed).toEqual({ 0: processed[0] ?? -1, 1: processed[1] ?? -1, 2: processed[2] ?? -1 });
    const countedByFirst = Object.values(committed).reduce((sum, offset) => sum + Math.max(offset, 0), 0);
    expect(countedByFirst).toBeLessThan(TOTAL);
    expect(first.logs.map((line) => line.event)).toEqual(
      expect.arrayContaining(["shutdown", "consumer_stopped"]),
    );

    const second = spawnService(env);
    const secondUrl = await second.baseUrl();
    const samples = await waitFor("the second aggregator to catch up", async () => {
      const s = await scrape(secondUrl);
      return s.get(`aggregator_events_consumed_total{topic="${detectionTopic}"}`) === TOTAL - countedByFirst
        ? s
        : undefined;
    });
    const frames = [0, 1, 2, 3].reduce(
      (sum, camera) =>
        sum + (samples.get(`detection_total{camera_id="${camera}",model_type="yolov8n"}`) ?? 0),
      0,
    );
    console.log(
      `[sigterm] first process counted ${countedByFirst}, the restarted one ${frames}, of ${TOTAL}`,
    );
    expect(frames + countedByFirst).toBe(TOTAL);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(await committedOffsets(brokers, groupId, detectionTopic)).toEqual({
      0: 2_000,
      1: 2_000,
      2: 2_000,
    });
  });
});
