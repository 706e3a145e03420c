import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { detectionWire } from "../support/events.js";
import { runCommand } from "../support/run-command.js";
import { acrossPartitions, only } from "../support/scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";

const brokers = inject("kafkaBrokers");
const PYTHON_PRODUCER = fileURLToPath(new URL("./confluent_producer.py", import.meta.url));
const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;

/**
 * Producers this project did not write: Debian's kcat and Python's
 * confluent-kafka (both librdkafka), each with every compression codec, plus
 * transactions and edge cases. Each combination writes to its own camera id so
 * every count is checked on its own.
 */
describe("interoperability with real producers", () => {
  let aggregator: TestAggregator;
  let topic: string;
  const expected: Record<string, number> = {};
  let records = 0;

  beforeAll(async () => {
    aggregator = await startTestAggregator(
      brokers,
      {},
      {
        create: (detection, llm) =>
          runCommand("/usr/bin/python3", [PYTHON_PRODUCER, "create-topics", brokers, "3", detection, llm]),
      },
    );
    topic = aggregator.config.detectionTopic;
    await runCommand("/usr/bin/python3", [
      PYTHON_PRODUCER,
      "create-topics",
      brokers,
      "3",
      topic,
      aggregator.config.llmTopic,
    ]);
    await aggregator.waitForReady();

    for (const codec of CODECS) {
      const camera = `kcat-${codec}`;
      const lines = Array.from({ length: 40 }, () =>
        JSON.stringify(detectionWire({ camera_id: camera })),
      ).join("\n");
      await runCommand(
        "kcat",
        ["-P", "-b", brokers, "-t", topic, "-z", codec, "-X", "linger.ms=20"],
        `${lines}\n`,
      );
      expected[camera] = 40;
      records += 40;
    }
    // kcat edge cases: a 10 kB header, a null key, and with -K: -Z a keyed record whose empty value is sent as NULL (tombstone).
    await runCommand(
      "kcat",
      ["-P", "-b", brokers, "-t", topic, "-K", "\t", "-Z", "-H", `trace=${"x".repeat(10_000)}`, "-z", "lz4"],
      `${JSON.stringify(detectionWire({ camera_id: "kcat-edge" }))}\ngone\t\n`,
    );
    expected["kcat-edge"] = 1;
    records += 2;

    for (const codec of CODECS) {
      const camera = `python-${codec}`;
      await runCommand("/usr/bin/python3", [PYTHON_PRODUCER, "codec", brokers, topic, codec, camera, "40"]);
      expected[camera] = 40;
      records += 40;
    }
    await runCommand("/usr/bin/python3", [
      PYTHON_PRODUCER,
      "transactions",
      brokers,
      topic,
      "python-committed",
      "25",
      "python-aborted",
      "30",
    ]);
    expected["python-committed"] = 26;
    records += 26;
    await runCommand("/usr/bin/python3", [PYTHON_PRODUCER, "edge-cases", brokers, topic, "python-edge"]);
    expected["python-edge"] = 3;
    records += 5;

    await aggregator.waitForCommitted({ [topic]: records }, 60_000);
  });
  afterAll(async () => {
    await aggregator?.stop();
  });

  it("counts exactly what each producer committed, with every codec", async () => {
    const samples = acrossPartitions(await aggregator.scrape());
    const counted = Object.fromEntries(
      Object.entries(only(samples, "detection_total")).map(([series, value]) => [
        /camera_id="([^"]+)"/.exec(series)?.[1] as string,
        value,
      ]),
    );
    expect(counted).toEqual(expected);
  });

  it("never counts the aborted transaction, and skips tombstones and empty values without rejecting them", async () => {
    const samples = await aggregator.scrape();
    expect(samples.get(`aggregator_events_consumed_total{topic="${topic}"}`)).toBe(records);
    expect(only(samples, "aggregator_events_skipped_total")).toEqual({
      [`aggregator_events_skipped_total{topic="${topic}",reason="tombstone"}`]: 2,
      [`aggregator_events_skipped_total{topic="${topic}",reason="empty"}`]: 1,
    });
    const invalid = Object.values(only(samples, "aggregator_events_invalid_total")).reduce(
      (a, b) => a + b,
      0,
    );
    expect(invalid).toBe(0);
  });
});
