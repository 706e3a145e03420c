import { describe, expect, inject, it } from "vitest";
import { detectionWire, jsonBytes } from "../support/events.js";
import { committedOffsets, produce } from "../support/kafka-client.js";
import { acrossPartitions, scrape } from "../support/scrape.js";
import { serviceSetup, spawnService } from "../support/service-process.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");
const TOTAL = 60_000;
const PARTITIONS = 3;
const FETCH_BYTES_PER_PARTITION = 16_384;
/** The test producer sends 500 events per request: one record batch, which a fetch returns whole even when larger. */
const PRODUCER_BATCH = 500;

/** Memory mode's promise after a crash: nothing lost, at most the batch in flight per partition counted twice. */
describe("SIGKILL mid-stream (STATE_MODE=memory)", () => {
  it("loses nothing, and repeats at most the batch in flight per partition", async () => {
    const { detectionTopic, groupId, env } = await serviceSetup(brokers, PARTITIONS, {
      STATE_MODE: "memory",
      KAFKA_FETCH_MAX_BYTES_PER_PARTITION: String(FETCH_BYTES_PER_PARTITION),
      LOG_LEVEL: "debug",
      // the broker's minimum: the killed member's partitions are given back after 6 s, not 30 s
      KAFKA_SESSION_TIMEOUT: "6s",
    });
    const events = Array.from({ length: TOTAL }, (_, i) => ({
      partition: i % PARTITIONS,
      value: jsonBytes(detectionWire({ camera_id: String(i % 4) })),
    }));
    const eventBytes = events.reduce((sum, e) => sum + e.value.length, 0) / TOTAL;
    const bound = Math.max(Math.ceil(FETCH_BYTES_PER_PARTITION / eventBytes), PRODUCER_BATCH);

    // A backlog, so the first process is busy applying and committing batches when it is killed.
    await produce(brokers, detectionTopic, events);
    const first = spawnService(env);
    const firstUrl = await first.baseUrl();
    await waitFor(
      "the first aggregator to be mid-stream",
      async () => {
        const consumed =
          (await scrape(firstUrl)).get(`aggregator_events_consumed_total{topic="${detectionTopic}"}`) ?? 0;
        return consumed >= TOTAL / 4 ? consumed : undefined;
      },
      { intervalMs: 10 },
    );
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");

    // What the first process applied, per partition: its last batch_applied line (logs are written synchronously).
    const applied: Record<number, number> = {};
    for (const line of first.logs) {
      if (line.event === "batch_applied" && line.topic === detectionTopic) {
        applied[line.partition as number] = Number(line.nextOffset);
      }
    }
    const committed = await committedOffsets(brokers, groupId, detectionTopic);
    let duplicates = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const committedP = Math.max(committed[p] ?? 0, 0);
      const appliedP = applied[p] ?? 0;
      // Never committed beyond what was applied; never applied more than one batch beyond the commit.
      expect(appliedP).toBeGreaterThanOrEqual(committedP);
      expect(appliedP - committedP).toBeLessThanOrEqual(bound);
      duplicates += appliedP - committedP;
    }
    const committedTotal = Object.values(committed).reduce((sum, o) => sum + Math.max(o, 0), 0);
    const appliedTotal = Object.values(applied).reduce((sum, o) => sum + o, 0);

    const second = spawnService({ ...env, LOG_LEVEL: "info" });
    const secondUrl = await second.baseUrl();
    const restartedAt = Date.now();
    // The killed member keeps its partitions until its session times out (6 s here).
    const countedIn = (samples: Map<string, number>) => {
      const totals = acrossPartitions(samples);
      return [0, 1, 2, 3].reduce(
        (sum, camera) =>
          sum + (totals.get(`detection_total{camera_id="${camera}",model_type="yolov8n"}`) ?? 0),
        0,
      );
    };
    // Memory mode shows what it applied within a publish interval (100 ms) of applying it.
    const samples = await waitFor(
      "the restarted aggregator to show the events after the committed offsets",
      async () => {
        const s = await scrape(secondUrl);
        return countedIn(s) >= TOTAL - committedTotal ? s : undefined;
      },
      { timeoutMs: 90_000 },
    );
    const caughtUpMs = Date.now() - restartedAt;
    const counted = countedIn(samples);
    // The restarted process counts exactly from the committed offsets; with the first one's, every event is covered.
    expect(counted).toBe(TOTAL - committedTotal);
    expect(samples.get(`aggregator_events_consumed_total{topic="${detectionTopic}"}`)).toBe(
      TOTAL - committedTotal,
    );
    expect(appliedTotal + counted - duplicates).toBe(TOTAL);
    console.log(
      `[sigkill] first process applied ${appliedTotal} of ${TOTAL} (committed ${committedTotal}) when killed; ` +
        `the restarted one counted ${counted} in ${caughtUpMs} ms; duplicates ${duplicates} (bound ${bound} per partition, ${bound * PARTITIONS} in all)`,
    );
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});
