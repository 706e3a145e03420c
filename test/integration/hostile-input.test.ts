import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { detectionWire } from "../support/events.js";
import { produce, type TestMessage } from "../support/kafka-client.js";
import { promtoolCheckMetrics } from "../support/promtool.js";
import { only, type Samples } from "../support/scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";

const brokers = inject("kafkaBrokers");

/** A generated message and what the contract says it is, decided when it is built (not by the decoder). */
interface Case {
  readonly value: Buffer | null;
  readonly expect: "valid" | "invalid" | "skipped";
}

const nastyText = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
  fc.constantFrom(
    '"',
    "\\",
    "\n",
    "\r\n",
    "\u0000",
    "\u007f",
    '{"a":1}',
    "</script>",
    "__proto__",
    "constructor",
    "💥".repeat(30),
  ),
  fc.string({ minLength: 2_000, maxLength: 5_000 }),
);

const validCase = fc
  .record({ camera: nastyText, model: nastyText, proto: fc.boolean() })
  .map(({ camera, model, proto }): Case => {
    let text = JSON.stringify(detectionWire({ camera_id: camera, model_type: model }));
    if (proto)
      text = text.replace("{", '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},');
    return { value: Buffer.from(text), expect: "valid" };
  });

const field = fc.constantFrom(
  "event_id",
  "timestamp",
  "camera_id",
  "model_type",
  "latency_seconds",
  "num_objects",
  "num_groups",
);

const invalidCase = fc
  .oneof(
    // broken JSON that still starts with "{"
    fc
      .string({ maxLength: 200 })
      .map((tail) => `{${tail}`)
      .filter((text) => {
        try {
          JSON.parse(text);
          return false;
        } catch {
          return true;
        }
      }),
    // a required field missing
    field.map((name) => JSON.stringify({ ...detectionWire(), [name]: undefined })),
    // a field of the wrong type
    fc
      .tuple(
        fc.constantFrom("latency_seconds", "num_objects", "num_groups", "model_type"),
        fc.oneof(fc.boolean(), fc.array(fc.integer()), fc.object(), fc.constant(null)),
      )
      .map(([name, value]) => JSON.stringify(detectionWire({ [name]: value }))),
    // negative, non-finite and fractional numbers
    fc
      .constantFrom("-0.5", "-1", "1e999", "-1e999")
      .map((n) =>
        JSON.stringify(detectionWire()).replace('"latency_seconds":0.05', `"latency_seconds":${n}`),
      ),
    fc
      .double({ min: 0.1, max: 1e6, noNaN: true })
      .map((n) => JSON.stringify(detectionWire({ num_objects: n + 0.5 }))),
    // impossible timestamps
    fc
      .constantFrom("yesterday", "2026-02-30T25:61:00Z", "", "2026-11-20")
      .map((t) => JSON.stringify(detectionWire({ timestamp: t }))),
    // not JSON at all
    fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .filter((bytes) => bytes[0] !== 0x7b && ![0x20, 0x09, 0x0a, 0x0d].includes(bytes[0] as number))
      .map((bytes) => Buffer.from(bytes)),
  )
  .map((value): Case => ({ value: Buffer.isBuffer(value) ? value : Buffer.from(value), expect: "invalid" }));

/** Non-UTF-8 bytes inside a label value: still valid JSON once decoded (as U+FFFD), so still an event. */
const nonUtf8Case = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((bytes): Case => {
  const [head, tail] = JSON.stringify(detectionWire({ camera_id: "CAM" })).split("CAM") as [string, string];
  const raw = Buffer.from([...bytes].map((b) => (b < 0x20 || b === 0x22 || b === 0x5c ? 0xff : b | 0x80)));
  return { value: Buffer.concat([Buffer.from(head), raw, Buffer.from(tail)]), expect: "valid" };
});

function corpus(): Case[] {
  const cases = fc.sample(fc.oneof(validCase, invalidCase, nonUtf8Case), { numRuns: 1_200, seed: 20261127 });
  // Payloads of about 1 MB (the broker's default limit is 1 MiB): rejected as too_large, unparsed.
  for (let i = 0; i < 3; i++) {
    cases.push({
      value: Buffer.from(JSON.stringify(detectionWire({ pad: "x".repeat(1_000_000) }))),
      expect: "invalid",
    });
  }
  cases.push({ value: null, expect: "skipped" }, { value: Buffer.alloc(0), expect: "skipped" });
  return cases;
}

function total(samples: Samples, name: string): number {
  return Object.values(only(samples, name)).reduce((sum, value) => sum + value, 0);
}

describe("a hostile corpus through the real broker", () => {
  let aggregator: TestAggregator;
  const cases = corpus();
  let samples: Samples;

  beforeAll(async () => {
    aggregator = await startTestAggregator(brokers, {}, { partitions: 3 });
    const topic = aggregator.config.detectionTopic;
    const messages: TestMessage[] = cases.map((c, i) => ({ value: c.value, partition: i % 3 }));
    // one at a time for the ~1 MB ones, in batches for the rest
    await produce(
      brokers,
      topic,
      messages.filter((m) => (m.value?.length ?? 0) < 100_000),
    );
    for (const big of messages.filter((m) => (m.value?.length ?? 0) >= 100_000))
      await produce(brokers, topic, [big]);
    samples = await aggregator.waitForCommitted({ [topic]: cases.length }, 60_000);
  }, 120_000);
  afterAll(async () => {
    await aggregator?.stop();
  });

  it("accounts for every one of the 1,205 messages: counted as an event, or rejected or skipped with a reason", () => {
    const expected = { valid: 0, invalid: 0, skipped: 0 };
    for (const c of cases) expected[c.expect]++;
    expect(cases.length).toBe(1_205);
    expect({
      valid: total(samples, "detection_total"),
      invalid: total(samples, "aggregator_events_invalid_total"),
      skipped: total(samples, "aggregator_events_skipped_total"),
    }).toEqual(expected);
    console.log(`[hostile] ${cases.length} messages: ${JSON.stringify(expected)}`);
  });

  it("keeps consuming and stays ready", async () => {
    const response = await fetch(`${aggregator.baseUrl}/readyz`);
    expect(response.status).toBe(200);
  });

  it("still serves a body promtool accepts", async () => {
    const body = await (
      await fetch(`${aggregator.baseUrl}/metrics`, { headers: { accept: "text/plain" } })
    ).text();
    expect(await promtoolCheckMetrics(body)).toEqual({ code: 0, output: "" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("exported no label value longer than LABEL_MAX_LENGTH or with a control character", () => {
    const cameras = Object.keys(only(samples, "camera_last_event_timestamp_seconds"));
    expect(cameras.length).toBeGreaterThan(100);
    for (const series of cameras) {
      const value = /camera_id="((?:[^"\\]|\\.)*)"/.exec(series)?.[1] ?? "";
      const unescaped = value.replace(/\\(.)/g, (_, char: string) => (char === "n" ? "\n" : char));
      expect(unescaped.length).toBeLessThanOrEqual(128);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion is that none are exported
      expect(unescaped).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
  });
});
