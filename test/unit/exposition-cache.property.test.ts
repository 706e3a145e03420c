import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventFamilies } from "../../src/aggregate/event-families.js";
import { PartitionState, type StateSnapshot } from "../../src/aggregate/partition-state.js";
import type { StreamModel } from "../../src/aggregate/stream-model.js";
import { createMessageDecoder } from "../../src/decode/message-decoder.js";
import { BodyBytes } from "../../src/expose/exposition/body-bytes.js";
import { EventExposition } from "../../src/expose/exposition/event-exposition.js";
import type { ExpositionFormat } from "../../src/expose/exposition/exposition-format.js";
import { testCatalogue } from "../support/catalogue.js";
import { detectionWire, jsonBytes, llmWire } from "../support/events.js";
import { renderFamilyBytes } from "../support/render-families.js";

const { models, contracts } = testCatalogue();
const decode = createMessageDecoder({ maxEventBytes: 65_536, maxLabelLength: 128 }, contracts);
const STREAMS = ["detection", "llm"] as const;
type Stream = (typeof STREAMS)[number];
const PARTITIONS = 2;
/** Few enough label sets per table that random events reach the overflow entry. */
const SERIES_LIMIT = 24;
const START_MS = 1_800_000_000_000;

/** One thing that happens to the shown state or to `/metrics`. */
type Step =
  | { kind: "events"; stream: Stream; partition: number; labels: number[]; value: number }
  | {
      kind: "commit" | "commit-start" | "commit-end" | "commit-fail" | "expire";
      stream: Stream;
      partition: number;
    }
  | { kind: "refresh" }
  | {
      kind: "commit-during";
      work: "scrape" | "refresh";
      stream: Stream;
      partition: number;
      format: ExpositionFormat;
    }
  | { kind: "scrape"; format: ExpositionFormat; encoding: "plain" | "gzip" };

const place = { stream: fc.constantFrom(...STREAMS), partition: fc.nat(PARTITIONS - 1) };
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("events" as const),
      ...place,
      labels: fc.array(fc.nat(31), { minLength: 1, maxLength: 40 }),
      value: fc.double({ min: 0, max: 40, noNaN: true }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("commit" as const), ...place }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom("commit-start", "commit-end", "commit-fail", "expire" as const),
      ...place,
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "refresh" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("commit-during" as const),
      work: fc.constantFrom("scrape" as const, "refresh" as const),
      ...place,
      format: fc.constantFrom<ExpositionFormat>("prometheus", "openmetrics", "protobuf"),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("scrape" as const),
      format: fc.constantFrom<ExpositionFormat>("prometheus", "openmetrics", "protobuf"),
      encoding: fc.constantFrom("plain" as const, "gzip" as const),
    }),
  },
);

/** An event of a stream whose label values `label` picks among a few, and whose measure is `value`. */
function event(stream: Stream, label: number, value: number, timeMs: number) {
  const wire =
    stream === "detection"
      ? detectionWire({
          camera_id: `cam-${label >> 1}`,
          model_type: `m${label & 1}`,
          latency_seconds: value,
          timestamp: timeMs,
        })
      : llmWire({
          key_id: `key-${label >> 1}`,
          status: label & 1 ? "error" : "success",
          latency_seconds: value,
          timestamp: timeMs,
        });
  const result = decode(stream, jsonBytes(wire));
  if (result.status !== "ok") throw new Error(`a generated event did not decode: ${JSON.stringify(result)}`);
  return result.event;
}

/**
 * The partitions a replica shows, as the lifecycle changes them: events
 * applied, commits made (memory mode's publish), started (a snapshot),
 * ended (published) or failed (the state dropped and opened again: a new
 * state object), label sets expired.
 */
class ShownPartitions {
  private readonly states = new Map<string, PartitionState>();
  private readonly pending = new Map<string, StateSnapshot>();
  private clockMs = START_MS;

  constructor() {
    for (const stream of STREAMS) for (let p = 0; p < PARTITIONS; p++) this.open(stream, p);
  }

  shown(stream: string): PartitionState[] {
    return [...this.states.values()].filter((state) => state.topic === stream);
  }

  now = () => this.clockMs;

  run(
    s: Extract<
      Step,
      { kind: "events" | "commit" | "commit-start" | "commit-end" | "commit-fail" | "expire" }
    >,
  ): void {
    const key = `${s.stream}:${s.partition}`;
    const state = this.states.get(key) as PartitionState;
    switch (s.kind) {
      case "events":
        this.clockMs += 60_000;
        for (const label of s.labels)
          state.apply(event(s.stream, label, s.value, this.clockMs), this.clockMs);
        state.advance(String(Number(state.nextOffset ?? 0) + s.labels.length), s.labels.length);
        return;
      case "commit":
        if (!this.pending.has(key)) state.snapshot().publish();
        return;
      case "commit-start":
        if (!this.pending.has(key)) this.pending.set(key, state.snapshot());
        return;
      case "commit-end":
        this.pending.get(key)?.publish();
        this.pending.delete(key);
        return;
      case "commit-fail":
        this.pending.delete(key);
        this.open(s.stream, s.partition);
        return;
      case "expire":
        state.expire(5 * 60_000);
        return;
    }
  }

  private open(stream: Stream, partition: number): void {
    const state = new PartitionState(stream, partition, models.get(stream) as StreamModel, {
      seriesLimit: SERIES_LIMIT,
    });
    state.finishRestore();
    this.states.set(`${stream}:${partition}`, state);
  }
}

describe("the exposition kept between scrapes", () => {
  it("serves, in every format, plain and gzip, exactly the bytes a full render of the shown state writes, whatever was published in between", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 80 }), async (steps) => {
        const partitions = new ShownPartitions();
        const families = eventFamilies(
          [...models.values()],
          (stream) => partitions.shown(stream),
          partitions.now,
        );
        const exposition = new EventExposition(() => families.all);
        const bytes = new BodyBytes();
        // The service refreshes after each publish; here a refresh also comes late, or never.
        for (const s of [...steps, { kind: "scrape", format: "openmetrics", encoding: "gzip" } as const]) {
          if (s.kind === "refresh") await exposition.refresh();
          else if (s.kind === "commit-during") {
            // A publish while text is made (at its first yield, if it yields): what that scrape serves may be
            // from before or after it, but no text kept for later may be older than the state it is kept for.
            const working = s.work === "scrape" ? exposition.render(s.format) : exposition.refresh();
            await new Promise<void>((resolve) =>
              setImmediate(() => {
                partitions.run({ kind: "commit", stream: s.stream, partition: s.partition });
                resolve();
              }),
            );
            await working;
          } else if (s.kind !== "scrape") partitions.run(s);
          else {
            const runs = await exposition.render(s.format);
            const full = await renderFamilyBytes(families.all, s.format);
            if (s.encoding === "plain") expect(Buffer.concat(await bytes.plain(runs))).toEqual(full);
            else expect(gunzipSync(Buffer.concat(await bytes.gzip(runs)))).toEqual(full);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
