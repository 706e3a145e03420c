import { afterAll, describe, expect, inject, it } from "vitest";
import { DEAD_LETTER_HEADERS } from "../../src/dead-letter/dead-letter.js";
import { detectionWire, jsonBytes } from "../support/events.js";
import { committedOffsets, createTopics, produce, readTopic } from "../support/kafka-client.js";
import { acrossPartitions } from "../support/scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");

/** Rejects of several kinds, with keys and headers (one of them not UTF-8) that must survive the trip. */
const BAD = [
  {
    value: Buffer.from('{"camera_id": 1,'),
    key: "cam-1",
    headers: { trace: "abc", raw: Buffer.from([0xff, 0xfe, 0x00]) },
    reason: "invalid_json",
    error: /JSON/,
  },
  {
    value: Buffer.from([0xc3, 0x28, 0xff, 0x00, 0x7b]),
    reason: "unknown_encoding",
    error: "first byte 0xc3",
  },
  {
    value: jsonBytes(detectionWire({ latency_seconds: -1 })),
    key: "cam-2",
    reason: "out_of_range",
    error: "/latency_seconds must be >= 0",
  },
  {
    value: Buffer.from(`{"pad":"${"x".repeat(70_000)}"}`),
    reason: "too_large",
    error: "70010 bytes exceeds the limit of 65536",
  },
  {
    value: Buffer.from([0, 0, 0, 0, 5, 1]),
    reason: "registry_not_configured",
    error: "Confluent-framed message but no schema registry is configured",
  },
];

/**
 * Both state modes write every reject to the dead-letter topic exactly as it
 * was; durable mode in the transaction that commits its offset, memory mode
 * with its own idempotent producer before the offset is committed.
 */
describe.each(["durable", "memory"] as const)("dead-letter topic (%s state)", (stateMode) => {
  const started: TestAggregator[] = [];
  afterAll(async () => {
    for (const aggregator of started) await aggregator.stop();
  });

  it("receives every rejected record byte for byte, with its reason and source, and nothing else", async () => {
    const aggregator = await startTestAggregator(
      brokers,
      { deadLetterTopic: "{topic}.dlq", stateMode },
      {
        create: (detection, llm) =>
          createTopics(brokers, [detection, llm, `${detection}.dlq`, `${llm}.dlq`], 2),
      },
    );
    started.push(aggregator);
    const topic = aggregator.config.detectionTopic;
    const messages = [
      ...BAD.map((bad, i) => ({ ...bad, partition: i % 2 })),
      ...[1, 2, 3].map((i) => ({ value: jsonBytes(detectionWire()), partition: i % 2 })),
      { value: null, key: "gone", partition: 0 },
    ];
    await produce(brokers, topic, messages);
    const samples = acrossPartitions(await aggregator.waitForCommitted({ [topic]: messages.length }));
    expect(samples.get('detection_total{camera_id="1",model_type="yolov8n"}')).toBe(3);
    expect(samples.get(`aggregator_dead_letters_total{topic="${topic}.dlq"}`)).toBe(BAD.length);

    const letters = await readTopic(brokers, `${topic}.dlq`, BAD.length);
    const source = await readTopic(brokers, topic, messages.length);
    expect(letters).toHaveLength(BAD.length);
    for (const bad of BAD) {
      const letter = letters.find((l) => l.value?.equals(bad.value));
      expect(letter, bad.reason).toBeDefined();
      if (!letter) continue;
      expect(letter.key?.toString() ?? null).toBe(bad.key ?? null);
      const header = (name: string) => letter.headers[name]?.toString();
      expect(header(DEAD_LETTER_HEADERS.reason)).toBe(bad.reason);
      expect(header(DEAD_LETTER_HEADERS.topic)).toBe(topic);
      if (typeof bad.error === "string") expect(header(DEAD_LETTER_HEADERS.error)).toBe(bad.error);
      else expect(header(DEAD_LETTER_HEADERS.error)).toMatch(bad.error);
      for (const [name, value] of Object.entries(bad.headers ?? {})) {
        expect(letter.headers[name]).toEqual(Buffer.from(value));
      }
      const original = source.find(
        (r) =>
          r.partition === Number(header(DEAD_LETTER_HEADERS.partition)) &&
          r.offset === header(DEAD_LETTER_HEADERS.offset),
      );
      expect(original?.value).toEqual(bad.value);
    }
  });

  it("holds the partition while the dead-letter topic cannot be written, and commits nothing past the reject", async () => {
    const aggregator = await startTestAggregator(
      brokers,
      { deadLetterTopic: "{topic}.not-yet", stateMode },
      { partitions: 1 },
    );
    started.push(aggregator);
    const topic = aggregator.config.detectionTopic;
    const valid = (n: number) => Array.from({ length: n }, () => ({ value: jsonBytes(detectionWire()) }));
    await produce(brokers, topic, [...valid(2), { value: Buffer.from("not json") }, ...valid(3)]);

    const readiness = await waitFor("/readyz to name the dead-letter topic", async () => {
      const response = await fetch(`${aggregator.baseUrl}/readyz`);
      const body = (await response.json()) as { checks: { name: string; ready: boolean; detail: string }[] };
      // Durable mode: the partition's commit fails and its state is dropped; memory mode: the write holds it.
      const check = body.checks.find((c) => c.name === (stateMode === "durable" ? "state" : "dead_letter"));
      return response.status === 503 && check?.detail.includes("dead-letter") ? check.detail : undefined;
    });
    expect(readiness).toContain(`cannot write to the dead-letter topic ${topic}.not-yet`);
    const during = acrossPartitions(await aggregator.scrape());
    // Nothing past the reject takes effect: not the slice's events, not its counts.
    expect(during.get(`aggregator_events_committed_total{topic="${topic}"}`)).toBe(0);
    expect(during.get('detection_total{camera_id="1",model_type="yolov8n"}')).toBeUndefined();
    if (stateMode === "memory") {
      expect(during.get(`aggregator_events_consumed_total{topic="${topic}"}`)).toBe(0);
      expect(during.get("aggregator_partitions_paused")).toBe(1);
    }
    expect((await committedOffsets(brokers, aggregator.config.groupId, topic))[0] ?? -1).toBeLessThanOrEqual(
      0,
    );
    // The lag of what /metrics shows: every record, and more as they come, while nothing can be shown.
    const lag = `aggregator_consumer_lag{topic="${topic}",partition="0"}`;
    await waitFor("the lag of the stuck partition", async () =>
      (await aggregator.scrape()).get(lag) === 6 ? true : undefined,
    );
    await produce(brokers, topic, valid(4));
    await waitFor("the lag to grow", async () =>
      (await aggregator.scrape()).get(lag) === 10 ? true : undefined,
    );

    await createTopics(brokers, [`${topic}.not-yet`], 1);
    const after = acrossPartitions(await aggregator.waitForCommitted({ [topic]: 10 }, 60_000));
    expect(after.get('detection_total{camera_id="1",model_type="yolov8n"}')).toBe(9);
    await waitFor("the lag back to 0", async () =>
      (await aggregator.scrape()).get(lag) === 0 ? true : undefined,
    );
    expect(after.get(`aggregator_events_invalid_total{topic="${topic}",reason="unknown_encoding"}`)).toBe(1);
    const letters = await readTopic(brokers, `${topic}.not-yet`, 1);
    expect(letters.map((l) => l.value?.toString())).toEqual(["not json"]);
    await waitFor("/readyz 200 again", async () =>
      (await fetch(`${aggregator.baseUrl}/readyz`)).status === 200 ? true : undefined,
    );
  });

  it("stops within SHUTDOWN_TIMEOUT while a partition cannot commit", async () => {
    const aggregator = await startTestAggregator(
      brokers,
      { deadLetterTopic: "{topic}.never", stateMode, shutdownTimeout: "6s" },
      { partitions: 1 },
    );
    const topic = aggregator.config.detectionTopic;
    await produce(brokers, topic, [
      { value: Buffer.from("not json") },
      { value: jsonBytes(detectionWire()) },
    ]);
    await waitFor("the partition to be stuck", async () =>
      (await fetch(`${aggregator.baseUrl}/readyz`)).status === 503 &&
      ((await aggregator.scrape()).get(`aggregator_consumer_lag{topic="${topic}",partition="0"}`) ?? 0) === 2
        ? true
        : undefined,
    );
    const stopping = Date.now();
    await aggregator.stop();
    expect(Date.now() - stopping).toBeLessThan(6_000);
  });
});
