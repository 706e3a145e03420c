import { describe, expect, inject, it } from "vitest";
import { EventStream, expectedSeries, sumOfReplicas } from "../support/event-stream.js";
import { recordCount } from "../support/kafka-client.js";
import { MonotonicWatch } from "../support/monotonic-watch.js";
import { acrossPartitions, scrape } from "../support/scrape.js";
import { serviceSetup, spawnService } from "../support/service-process.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");
const PARTITIONS = 4;
const EVENTS = 24_000;

const sumOf = (samples: Map<string, number>, prefix: string) =>
  [...samples].filter(([series]) => series.startsWith(prefix)).reduce((sum, [, v]) => sum + v, 0);

describe("a zombie: a replica frozen past its session while its partitions move, then woken", () => {
  it("has its late commits fenced, and the totals stay exact", async () => {
    const { detectionTopic, llmTopic, env } = await serviceSetup(brokers, PARTITIONS, {
      KAFKA_SESSION_TIMEOUT: "6s",
    });
    const zombie = spawnService(env);
    const other = spawnService(env);
    const [zombieUrl, otherUrl] = await Promise.all([zombie.baseUrl(), other.baseUrl()]);
    const watch = new MonotonicWatch(() => [zombieUrl, otherUrl], 200);
    const assigned = async (url: string) => (await scrape(url)).get("aggregator_assigned_partitions") ?? 0;
    await waitFor("both replicas to own partitions", async () =>
      (await assigned(zombieUrl)) === PARTITIONS && (await assigned(otherUrl)) === PARTITIONS
        ? true
        : undefined,
    );
    const stream = new EventStream(brokers, { detection: detectionTopic, llm: llmTopic }, EVENTS, 200, 150);

    // Freeze it while it holds applied but uncommitted events, so waking up it has a commit to attempt.
    await waitFor(
      "the replica to hold uncommitted events",
      async () => {
        const s = await scrape(zombieUrl);
        const pending =
          sumOf(s, "aggregator_events_consumed_total{") - sumOf(s, "aggregator_events_committed_total{");
        if (pending <= 0 || stream.count < 2_000) return undefined;
        zombie.child.kill("SIGSTOP");
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    const frozenAt = Date.now();
    await waitFor(
      "the other replica to own every partition",
      async () => ((await assigned(otherUrl)) === 2 * PARTITIONS ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // Past the session, and the other replica has restored and committed the zombie's partitions.
    await waitFor(
      "the other replica to commit past the freeze",
      async () => {
        const s = await scrape(otherUrl);
        return s.get("aggregator_partitions_restoring") === 0 && Date.now() - frozenAt > 8_000
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const wokenAt = Date.now();
    zombie.child.kill("SIGCONT");

    const fenced = await waitFor(
      "the zombie's late commit to be fenced",
      () =>
        zombie.logs.find(
          (line) => line.event === "partition_failed" && line.stage === "commit" && line.fenced === true,
        ),
      { timeoutMs: 30_000 },
    );
    await stream.finish();
    const records = {
      detection: await recordCount(brokers, detectionTopic),
      llm: await recordCount(brokers, llmTopic),
    };
    const urls = [zombieUrl, otherUrl];
    await waitFor(
      "both replicas to show every record between them",
      async () => {
        const all = await Promise.all(urls.map((url) => scrape(url)));
        const offsets = (topic: string) =>
          all.reduce((sum, s) => sum + sumOf(s, `aggregator_state_next_offset{topic="${topic}",`), 0);
        return offsets(detectionTopic) === records.detection && offsets(llmTopic) === records.llm
          ? true
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const report = await watch.stop();
    const counted = sumOfReplicas(
      await Promise.all(urls.map(async (url) => acrossPartitions(await scrape(url)))),
    );
    const expected = expectedSeries(EVENTS);
    const differing = [...new Set([...expected.keys(), ...counted.keys()])].filter(
      (series) => counted.get(series) !== expected.get(series),
    );
    console.log(
      `[zombie] frozen ${Math.round((wokenAt - frozenAt) / 1000)} s with uncommitted events; woken, its commit was fenced: ` +
        `${JSON.stringify(fenced.error)}; ${EVENTS} events, ${expected.size} series, ${differing.length} differ; ` +
        `${report.scrapes} scrapes, ${report.decreases.length} decreases`,
    );
    expect(differing.map((s) => `${s}: ${counted.get(s)} ≠ ${expected.get(s)}`)).toEqual([]);
    expect(report.decreases).toEqual([]);
    for (const process of [zombie, other]) process.child.kill("SIGTERM");
    expect(await Promise.all([zombie.exited, other.exited])).toEqual([0, 0]);
  }, 300_000);
});
