import { Writable } from "node:stream";
import { pino } from "pino";
import { type FlagValues, loadConfig } from "../../src/config/load-config.js";
import type { Config } from "../../src/config/settings.js";
import { type RunningAggregator, startAggregator } from "../../src/service/start-service.js";
import { createTopics } from "./kafka-client.js";
import { uniqueName } from "./names.js";
import { type Samples, scrape } from "./scrape.js";
import { waitFor } from "./wait-for.js";

/** An aggregator started in this process against the test broker, on a free loopback port. */
export interface TestAggregator {
  readonly config: Config;
  readonly baseUrl: string;
  /** JSON log lines written so far. */
  readonly logs: Record<string, unknown>[];
  scrape(): Promise<Samples>;
  /**
   * Waits until `aggregator_events_committed_total` of each topic reaches the
   * given count: every one of those records is then in what `/metrics` shows.
   */
  waitForCommitted(counts: Record<string, number>, timeoutMs?: number): Promise<Samples>;
  waitForReady(): Promise<void>;
  stop(): Promise<void>;
}

/** How a test aggregator's topics are made before it starts. */
export interface TopicSetup {
  /** Partitions of each topic (default 3). */
  readonly partitions?: number;
  /** Makes the topics instead of the kafkajs admin (e.g. with topic configs). */
  readonly create?: (detectionTopic: string, llmTopic: string) => Promise<unknown>;
}

/**
 * Starts the real service (same wiring as `main`) with unique topics and
 * group unless given. The topics are created first, as in a deployment:
 * topics appearing under a running consumer make its group rebalance, and a
 * rebalance may legitimately replay a batch (at-least-once), which would make
 * exact counts flaky.
 */
export async function startTestAggregator(
  brokers: string,
  flags: FlagValues = {},
  topics: TopicSetup = {},
): Promise<TestAggregator> {
  const config = loadConfig(
    {
      brokers,
      groupId: uniqueName("group"),
      detectionTopic: uniqueName("detection"),
      llmTopic: uniqueName("llm"),
      httpHost: "127.0.0.1",
      httpPort: "0",
      ...flags,
    },
    {},
  );
  await (topics.create ?? ((d: string, l: string) => createTopics(brokers, [d, l], topics.partitions ?? 3)))(
    config.detectionTopic,
    config.llmTopic,
  );
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const running: RunningAggregator = await startAggregator(config, pino({ level: "info" }, sink));
  const baseUrl = `http://127.0.0.1:${running.httpPort}`;
  return {
    config,
    baseUrl,
    logs,
    scrape: () => scrape(baseUrl),
    async waitForCommitted(counts, timeoutMs = 30_000) {
      let seen: Record<string, number | undefined> = {};
      try {
        return await waitFor(
          `committed counts ${JSON.stringify(counts)}`,
          async () => {
            const samples = await scrape(baseUrl);
            seen = Object.fromEntries(
              Object.keys(counts).map((topic) => [
                topic,
                samples.get(`aggregator_events_committed_total{topic="${topic}"}`),
              ]),
            );
            return Object.entries(counts).every(([topic, count]) => seen[topic] === count)
              ? samples
              : undefined;
          },
          { timeoutMs },
        );
      } catch (error) {
        const problems = logs.filter((line) => line.level === "error" || line.level === "warn").slice(-5);
        throw new Error(
          `${(error as Error).message}; last seen ${JSON.stringify(seen)}; last problems ${JSON.stringify(problems)}`,
        );
      }
    },
    async waitForReady() {
      await waitFor("/readyz 200", async () =>
        (await fetch(`${baseUrl}/readyz`)).status === 200 ? true : undefined,
      );
    },
    stop: () => running.stop(),
  };
}
