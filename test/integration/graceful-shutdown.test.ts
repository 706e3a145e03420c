import { describe, expect, inject, it } from "vitest";
import { detectionWire, jsonBytes } from "../support/events.js";
import { committedOffsets, produce } from "../support/kafka-client.js";
import { MonotonicWatch } from "../support/monotonic-watch.js";
import { acrossPartitions, scrape } from "../support/scrape.js";
import { serviceSetup, spawnService } from "../support/service-process.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");
const TOTAL = 6_000;

describe("SIGTERM mid-stream, then a restart (durable state)", () => {
  it("continues every counter at the value it had: no reset, nothing missed or repeated", async () => {
    const { detectionTopic, groupId, env } = await serviceSetup(brokers, 3);
    const events = Array.from({ length: TOTAL }, (_, i) => ({
      partition: i % 3,
      value: jsonBytes(detectionWire({ camera_id: String(i % 4), latency_seconds: (i % 40) / 64 })),
    }));
    const urls: string[] = [];
    const watch = new MonotonicWatch(() => urls, 100);

    const first = spawnService(env);
    urls.push(await first.baseUrl());
    // Stream while the first aggregator consumes; stop it once it has shown some but not all.
    const producing = (async () => {
      for (let i = 0; i < TOTAL; i += 300) {
        await produce(brokers, detectionTopic, events.slice(i, i + 300));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const shownByFirst = await waitFor("the first aggregator to show events", async () => {
      const committed = (await scrape(urls[0] as string)).get(
        `aggregator_events_committed_total{topic="${detectionTopic}"}`,
      );
      return committed && committed > 0 ? committed : undefined;
    });
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.logs.map((line) => line.event)).toEqual(
      expect.arrayContaining(["shutdown", "consumer_stopped"]),
    );
    urls.length = 0;
    await producing;
    // The last commit at shutdown made the state and the offsets durable together.
    const committed = await committedOffsets(brokers, groupId, detectionTopic);
    const countedByFirst = Object.values(committed).reduce((sum, offset) => sum + Math.max(offset, 0), 0);
    expect(countedByFirst).toBeGreaterThanOrEqual(shownByFirst);
    expect(countedByFirst).toBeLessThan(TOTAL);

    const second = spawnService(env);
    urls.push(await second.baseUrl());
    const samples = await waitFor("the second aggregator to reach the end", async () => {
      const s = await scrape(urls[0] as string);
      const offsets = [0, 1, 2].map((p) =>
        s.get(`aggregator_state_next_offset{topic="${detectionTopic}",partition="${p}"}`),
      );
      return offsets.every((o) => o === TOTAL / 3) ? s : undefined;
    });
    // It restored each partition where the first one's last commit left it.
    const restoredAt = Object.fromEntries(
      second.logs
        .filter((line) => line.event === "partition_opened" && line.topic === detectionTopic)
        .map((line) => [line.partition, Number(line.nextOffset)]),
    );
    expect(restoredAt).toEqual(committed);
    const report = await watch.stop();
    const totals = acrossPartitions(samples);
    for (const camera of [0, 1, 2, 3]) {
      expect(totals.get(`detection_total{camera_id="${camera}",model_type="yolov8n"}`)).toBe(TOTAL / 4);
    }
    expect(totals.get(`aggregator_events_committed_total{topic="${detectionTopic}"}`)).toBe(
      TOTAL - countedByFirst,
    );
    console.log(
      `[sigterm] first process committed ${countedByFirst} of ${TOTAL} (it had shown ${shownByFirst}); the second restored there and counted the rest; ` +
        `${report.scrapes} scrapes of ${report.series} series, ${report.decreases.length} decreases`,
    );
    expect(report.decreases).toEqual([]);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(await committedOffsets(brokers, groupId, detectionTopic)).toEqual({
      0: 2_000,
      1: 2_000,
      2: 2_000,
    });
  });
});
