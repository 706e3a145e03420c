import { describe, expect, inject, it } from "vitest";
import { EventStream, expectedSeries, sumOfReplicas } from "../support/event-stream.js";
import { recordCount } from "../support/kafka-client.js";
import { MonotonicWatch } from "../support/monotonic-watch.js";
import { acrossPartitions, partitionsSettled, scrape } from "../support/scrape.js";
import { type ServiceProcess, serviceSetup, spawnService } from "../support/service-process.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");
const PARTITIONS = 4;
const MOST_EVENTS = 200_000;
const KILLS = 6;

/** Sum over the live replicas of where each one's shown state stands, per topic. */
async function shownOffsets(urls: readonly string[], topic: string): Promise<number> {
  let total = 0;
  for (const url of urls) {
    for (const [series, value] of await scrape(url)) {
      if (series.startsWith(`aggregator_state_next_offset{topic="${topic}",`)) total += value;
    }
  }
  return total;
}

describe("SIGKILL loop: replicas killed again and again while events stream in", () => {
  it("ends on exactly the produced totals, and no series ever goes backwards on any replica", async () => {
    const { detectionTopic, llmTopic, env } = await serviceSetup(brokers, PARTITIONS, {
      // the broker's minimum: a killed member's partitions move after 6 s, not 30 s
      KAFKA_SESSION_TIMEOUT: "6s",
    });
    const replicas: { process: ServiceProcess; url: string }[] = [];
    const start = async () => {
      const process = spawnService(env);
      replicas.push({ process, url: await process.baseUrl() });
    };
    await Promise.all([start(), start()]);
    const watch = new MonotonicWatch(() => replicas.map((r) => r.url), 200);
    // Streams until the kills are over: every kill lands mid-stream.
    const stream = new EventStream(
      brokers,
      { detection: detectionTopic, llm: llmTopic },
      MOST_EVENTS,
      300,
      200,
    );

    const killedAt: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Let the group settle and the stream move on, then kill the oldest replica and start a new one.
      await waitFor(
        "every partition to be shown by a replica",
        async () =>
          (await partitionsSettled(
            replicas.map((r) => r.url),
            2 * PARTITIONS,
          ))
            ? true
            : undefined,
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      const victim = replicas.shift() as { process: ServiceProcess; url: string };
      victim.process.child.kill("SIGKILL");
      expect(await victim.process.exited).toBe("SIGKILL");
      killedAt.push(stream.count);
      await start();
    }
    await waitFor("the stream to carry on past the last kill", () =>
      stream.count >= (killedAt.at(-1) as number) + 2_000 ? true : undefined,
    );
    const EVENTS = await stream.stop();
    expect(killedAt.at(-1)).toBeLessThan(EVENTS);
    const records = {
      detection: await recordCount(brokers, detectionTopic),
      llm: await recordCount(brokers, llmTopic),
    };
    expect(records.detection + records.llm).toBe(EVENTS);
    const urls = replicas.map((r) => r.url);
    await waitFor(
      "the live replicas to show every record",
      async () =>
        (await shownOffsets(urls, detectionTopic)) === records.detection &&
        (await shownOffsets(urls, llmTopic)) === records.llm
          ? true
          : undefined,
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    const report = await watch.stop();
    const scrapes = await Promise.all(urls.map(async (url) => acrossPartitions(await scrape(url))));
    const counted = sumOfReplicas(scrapes);
    const expected = expectedSeries(EVENTS);
    const differing = [...new Set([...expected.keys(), ...counted.keys()])].filter(
      (series) => counted.get(series) !== expected.get(series),
    );
    const framesCounted = [...counted]
      .filter(([s]) => s.startsWith("detection_total{"))
      .reduce((a, [, v]) => a + v, 0);
    const failedCommits = scrapes.reduce(
      (sum, s) => sum + (s.get('aggregator_state_commits_total{result="failed"}') ?? 0),
      0,
    );
    console.log(
      `[sigkill-loop] ${KILLS} SIGKILLs (after ${killedAt.join(", ")} events were produced); ${EVENTS} events, ` +
        `${expected.size} series expected, ${differing.length} differ; ${framesCounted} frames counted of ${records.detection}; ` +
        `${report.scrapes} scrapes of ${report.series} series every 200 ms, ${report.decreases.length} decreases; ` +
        `${failedCommits} failed commits on the last replicas`,
    );
    expect(differing.map((s) => `${s}: ${counted.get(s)} ≠ ${expected.get(s)}`)).toEqual([]);
    expect(report.decreases).toEqual([]);
    for (const { process } of replicas) process.child.kill("SIGTERM");
    expect(await Promise.all(replicas.map((r) => r.process.exited))).toEqual([0, 0]);
  }, 400_000);
});
