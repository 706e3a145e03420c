import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SchemaRegistryStandIn } from "../support/schema-registry-stand-in.js";
import { spawnService } from "../support/service-process.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");

/** `produce` aimed at the test broker and an aggregator's topics. */
const produceTo = (detectionTopic: string, llmTopic: string) => [
  "produce",
  "--brokers",
  brokers,
  "--detection-topic",
  detectionTopic,
  "--llm-topic",
  llmTopic,
];

describe("metrics-aggregator produce", () => {
  let aggregator: TestAggregator;

  beforeAll(async () => {
    aggregator = await startTestAggregator(brokers, {}, { partitions: 3 });
  });
  afterAll(async () => {
    await aggregator?.stop();
  });

  it("produces at the asked rate with a progress line, and its summary matches what the aggregator counted", async () => {
    const { detectionTopic, llmTopic } = aggregator.config;
    const run = spawnService({}, [
      ...produceTo(detectionTopic, llmTopic),
      "--rate",
      "800",
      "--duration",
      "3s",
      "--cameras",
      "5",
      "--models",
      "2",
      "--invalid-ratio",
      "0.1",
    ]);
    expect(await run.exited).toBe(0);
    const summary = run.logs.at(-1) as {
      sent: number;
      invalid: number;
      errors: number;
      eventsPerSecond: number;
    };
    expect(summary.errors).toBe(0);
    // 3 s at 800/s: exactly 2,400, however the ticks fell.
    expect(summary.sent).toBe(2_400);
    const progress = run.stderr().trim().split("\n");
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const line of progress)
      expect(line).toMatch(/^sent [\d,]+ {2}rate [\d,]+\/s {2}invalid [\d,]+ {2}errors 0 {2}\d+ s$/);

    const consumed = await waitFor("every produced event committed", async () => {
      const samples = await aggregator.scrape();
      const total =
        (samples.get(`aggregator_events_committed_total{topic="${detectionTopic}"}`) ?? 0) +
        (samples.get(`aggregator_events_committed_total{topic="${llmTopic}"}`) ?? 0);
      return total === summary.sent ? samples : undefined;
    });
    const invalid = [...consumed]
      .filter(([series]) => series.startsWith("aggregator_events_invalid_total{"))
      .reduce((sum, [, value]) => sum + value, 0);
    expect(invalid).toBe(summary.invalid);
    const cameras = new Set(
      [...consumed]
        .filter(([series]) => series.startsWith("detection_total{"))
        .map(([series]) => /camera_id="(\d+)"/.exec(series)?.[1]),
    );
    expect([...cameras].sort()).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("says why when the broker cannot be reached, without a stack trace", async () => {
    const run = spawnService({}, ["produce", "--brokers", "127.0.0.1:1", "--duration", "1s"]);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(
      /^metrics-aggregator produce: cannot produce to 127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  });
});

describe.each(["avro", "json-schema"])("metrics-aggregator produce --encoding %s", (encoding) => {
  let registry: SchemaRegistryStandIn;
  let aggregator: TestAggregator;

  beforeAll(async () => {
    registry = await new SchemaRegistryStandIn().start();
    aggregator = await startTestAggregator(brokers, { schemaRegistryUrl: registry.url }, { partitions: 2 });
  });
  afterAll(async () => {
    await aggregator?.stop();
    await registry?.stop();
  });

  it("registers schemas/, frames every valid event, and the aggregator counts them all", async () => {
    const { detectionTopic, llmTopic } = aggregator.config;
    const run = spawnService({ SCHEMA_REGISTRY_URL: registry.url }, [
      ...produceTo(detectionTopic, llmTopic),
      "--rate",
      "500",
      "--duration",
      "2s",
      "--invalid-ratio",
      "0.05",
      "--encoding",
      encoding,
    ]);
    expect(await run.exited).toBe(0);
    const summary = run.logs.at(-1) as { sent: number; invalid: number; errors: number };
    expect(summary).toMatchObject({ sent: 1_000, errors: 0 });
    const consumed = await waitFor("every produced event committed", async () => {
      const s = await aggregator.scrape();
      const total =
        (s.get(`aggregator_events_committed_total{topic="${detectionTopic}"}`) ?? 0) +
        (s.get(`aggregator_events_committed_total{topic="${llmTopic}"}`) ?? 0);
      return total === summary.sent ? s : undefined;
    });
    const sum = (prefix: string) =>
      [...consumed].filter(([series]) => series.startsWith(prefix)).reduce((total, [, v]) => total + v, 0);
    expect(sum("aggregator_events_invalid_total{")).toBe(summary.invalid);
    expect(sum("detection_total{") + sum("llm_requests_total{")).toBe(summary.sent - summary.invalid);
    // Framed: one lookup per schema used, none per message.
    expect([...registry.lookups.values()].every((count) => count === 1)).toBe(true);
    expect(registry.lookups.size).toBeGreaterThanOrEqual(2);
  });
});
