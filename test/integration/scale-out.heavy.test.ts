import { describe, expect, inject, it } from "vitest";
import { detectionWire, jsonBytes } from "../support/events.js";
import { committedOffsets, produce } from "../support/kafka-client.js";
import { type Samples, scrape } from "../support/scrape.js";
import { type ServiceProcess, serviceSetup, spawnService } from "../support/service-process.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");
const PARTITIONS = 6;
const CHUNKS = 60;
const CHUNK = 500;
const TOTAL = CHUNKS * CHUNK;
/** One chunk is one record batch, which a fetch returns whole: the most one partition can replay. */
const REPLAY_BOUND_PER_PARTITION = CHUNK;

const detections = (samples: Samples) =>
  [...samples].filter(([series]) => series.startsWith("detection_total{")).reduce((sum, [, v]) => sum + v, 0);

/** Events a process applied, from its synchronous `batch_applied` lines: exact even after SIGKILL. */
function appliedByLogs(process: ServiceProcess, topic: string): number {
  return process.logs
    .filter((line) => line.event === "batch_applied" && line.topic === topic)
    .reduce((sum, line) => sum + (line.records as number), 0);
}

describe("scale-out: three replicas in one group, one killed and one added mid-stream", () => {
  it("moves the partitions, and the replicas' sums equal what was produced, plus at most the documented replay", async () => {
    const { detectionTopic, groupId, env } = await serviceSetup(brokers, PARTITIONS, {
      KAFKA_FETCH_MAX_BYTES_PER_PARTITION: "16384",
      // the broker's minimum: the killed replica's partitions move after 6 s instead of 30 s
      KAFKA_SESSION_TIMEOUT: "6s",
      LOG_LEVEL: "debug",
    });
    const replicas = [spawnService(env), spawnService(env), spawnService(env)];
    const urls = await Promise.all(replicas.map((r) => r.baseUrl()));
    const assigned = async (list: string[]) =>
      (await Promise.all(list.map(scrape))).map((s) => s.get("aggregator_assigned_partitions") ?? 0);
    await waitFor(
      "the three replicas to share the 12 partitions",
      async () => {
        const counts = await assigned(urls);
        return counts.every((c) => c > 0) && counts.reduce((a, b) => a + b, 0) === 2 * PARTITIONS
          ? counts
          : undefined;
      },
      { timeoutMs: 60_000 },
    );

    const [a, victim, c] = replicas as [ServiceProcess, ServiceProcess, ServiceProcess];
    const [urlA, urlVictim, urlC] = urls as [string, string, string];
    let victimLastScrape = 0;
    let added: ServiceProcess | undefined;
    for (let chunk = 0; chunk < CHUNKS; chunk++) {
      const events = Array.from({ length: CHUNK }, (_, i) => ({
        partition: (chunk * CHUNK + i) % PARTITIONS,
        value: jsonBytes(detectionWire({ camera_id: String(i % 5) })),
      }));
      await produce(brokers, detectionTopic, events);
      if (chunk === CHUNKS / 3) {
        victimLastScrape = detections(await scrape(urlVictim));
        victim.child.kill("SIGKILL");
        await victim.exited;
        added = spawnService(env);
      }
      if (chunk === (2 * CHUNKS) / 3) {
        // The last third is produced once the added replica owns partitions.
        const url = await (added as ServiceProcess).baseUrl();
        await waitFor(
          "the added replica to be assigned partitions",
          async () => ((await scrape(url)).get("aggregator_assigned_partitions") ?? 0) > 0 || undefined,
          { timeoutMs: 60_000 },
        );
      }
    }
    const urlAdded = await (added as ServiceProcess).baseUrl();
    const live = [urlA, urlC, urlAdded];

    // Done when the group has committed every offset and the live replicas have stopped moving.
    await waitFor(
      "the group to commit every event",
      async () => {
        const offsets = await committedOffsets(brokers, groupId, detectionTopic);
        const committed = Object.values(offsets).reduce((sum, o) => sum + Math.max(o, 0), 0);
        return committed === TOTAL ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );
    const counts = await assigned(live);
    // 12 partitions (6 per topic) over three members.
    expect(counts).toEqual([4, 4, 4]);
    const liveTotals = (await Promise.all(live.map(scrape))).map(detections);
    const victimFinal = appliedByLogs(victim, detectionTopic);
    const sum = liveTotals.reduce((x, y) => x + y, 0) + victimFinal;
    const duplicates = sum - TOTAL;
    console.log(
      `[scale-out] ${TOTAL} produced; live replicas counted ${liveTotals.join(" + ")}; the killed one ${victimFinal} ` +
        `(its last scrape showed ${victimLastScrape}); sum ${sum}, duplicates ${duplicates}; ` +
        `partitions now ${counts.join("/")} (detection + llm)`,
    );
    expect(victimLastScrape).toBeLessThanOrEqual(victimFinal);
    // The added replica's share depends on which partitions it was given; that it counted at all proves the move.
    expect(liveTotals[2]).toBeGreaterThan(0);
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(REPLAY_BOUND_PER_PARTITION * PARTITIONS);

    for (const replica of [a, c, added as ServiceProcess]) replica.child.kill("SIGTERM");
    expect(await Promise.all([a.exited, c.exited, (added as ServiceProcess).exited])).toEqual([0, 0, 0]);
  });
});
