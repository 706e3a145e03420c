import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventFamilies } from "../../src/aggregate/event-families.js";
import type { MetricDefinition } from "../../src/aggregate/metric-definition.js";
import type { HistogramFamily, MetricFamily, ScalarFamily } from "../../src/aggregate/metric-family.js";
import { PartitionState, type StateSnapshot } from "../../src/aggregate/partition-state.js";
import { compileStreamModel, type StreamModel } from "../../src/aggregate/stream-model.js";
import { createMessageDecoder } from "../../src/decode/message-decoder.js";
import type { StreamEvent } from "../../src/events/stream-event.js";
import { ChangelogReader } from "../../src/state/changelog/changelog-reader.js";
import { ChangelogWriter } from "../../src/state/changelog/changelog-writer.js";
import { testCatalogue } from "../support/catalogue.js";

const NOW = 1_800_000_000_000;

/** Each state's changelog writer, as its durable partition keeps one (made by a restore, or new). */
const writers = new WeakMap<PartitionState, ChangelogWriter>();

/** A snapshot of the state and the changelog records a durable store commits for it. */
function written(state: PartitionState): {
  snapshot: StateSnapshot;
  records: readonly { key: string; value: Buffer | null }[];
} {
  let writer = writers.get(state);
  if (writer === undefined) {
    writer = new ChangelogWriter();
    writers.set(state, writer);
  }
  const snapshot = state.snapshot();
  const write = writer.write(snapshot);
  write.committed();
  return { snapshot, records: write.records };
}

/** The shipped catalogue with small buckets and a one-minute success window. */
const shipped = testCatalogue({
  DETECTION_LATENCY_BUCKETS: "0.01,0.1,1",
  LLM_LATENCY_BUCKETS: "1,10",
  SUCCESS_RATE_WINDOW: "60s",
});
const models = shipped.models as ReadonlyMap<"detection" | "llm", StreamModel>;
const decode = createMessageDecoder({ maxEventBytes: 65_536, maxLabelLength: 128 }, shipped.contracts);

type Stream = "detection" | "llm";
interface Tagged {
  readonly stream: Stream;
  readonly event: StreamEvent;
}

/** An event of a stream, decoded from its wire form as the service decodes it. */
function event(stream: Stream, wire: Record<string, unknown>): Tagged {
  const result = decode(stream, Buffer.from(JSON.stringify(wire)));
  if (result.status !== "ok") throw new Error(`test event did not decode: ${JSON.stringify(result)}`);
  return { stream, event: result.event };
}

interface DetectionFields {
  cameraId: string;
  modelType: string;
  latencySeconds: number;
  numObjects: number;
  numGroups: number;
  timeMs: number;
}

function detection(o: Partial<DetectionFields> = {}): Tagged {
  return event("detection", {
    event_id: "e",
    timestamp: o.timeMs ?? NOW,
    camera_id: o.cameraId ?? "1",
    model_type: o.modelType ?? "yolov8n",
    latency_seconds: o.latencySeconds ?? 0.05,
    num_objects: o.numObjects ?? 2,
    num_groups: o.numGroups ?? 1,
  });
}

interface LlmFields {
  keyId: string;
  status: "success" | "error" | "timeout" | "rate_limited";
  latencySeconds: number;
  promptTokens: number;
  completionTokens: number;
  timeMs: number;
}

function llm(o: Partial<LlmFields> = {}): Tagged {
  return event("llm", {
    event_id: "l",
    timestamp: o.timeMs ?? NOW,
    provider: "openai",
    model: "gpt",
    key_id: o.keyId ?? "key-1",
    status: o.status ?? "success",
    latency_seconds: o.latencySeconds ?? 1,
    prompt_tokens: o.promptTokens ?? 10,
    completion_tokens: o.completionTokens ?? 2,
  });
}

const newState = (stream: Stream, seriesLimit = 10, model?: StreamModel) =>
  new PartitionState(stream, 0, model ?? (models.get(stream) as StreamModel), { seriesLimit });

/**
 * A detection and an LLM partition (both partition 0), their families, and a
 * clock for the window. `apply` shows what it applied at once (as a commit
 * would) unless `publish` is false.
 */
function world({ publish = true, seriesLimit = 10 } = {}) {
  const clock = { now: NOW };
  const states = {
    detection: newState("detection", seriesLimit),
    llm: newState("llm", seriesLimit),
  };
  const families = eventFamilies(
    [...models.values()],
    (stream) => [states[stream as Stream]],
    () => clock.now,
  );
  const apply = (events: Tagged[], recordTimeMs = NOW) => {
    for (const { stream, event } of events) states[stream].apply(event, recordTimeMs);
    if (publish) for (const state of Object.values(states)) state.snapshot().publish();
  };
  return { clock, states, families, apply };
}

function family(families: readonly MetricFamily[], name: string): MetricFamily {
  return families.find((f) => f.name === name) as MetricFamily;
}

function scalar(families: readonly MetricFamily[], name: string): Record<string, number> {
  const f = family(families, name) as ScalarFamily;
  return Object.fromEntries([...f.series()].map((s) => [s.labels.join("/"), s.value]));
}

function histogram(families: readonly MetricFamily[], name: string) {
  const f = family(families, name) as HistogramFamily;
  return Object.fromEntries(
    [...f.series()].map((s) => [
      s.labels.join("/"),
      { counts: [...s.histogram.counts], sum: s.histogram.sum, count: s.histogram.count },
    ]),
  );
}

describe("PartitionState and the event families", () => {
  it("exposes the families of the metric contract, in order, each with the partition label last", () => {
    expect(world().families.all.map((f) => `${f.type} ${f.name} ${f.labelNames.join(",")}`)).toEqual([
      "counter detection_total camera_id,model_type,partition",
      "histogram detection_latency_seconds camera_id,model_type,partition",
      "counter detection_objects_total camera_id,model_type,partition",
      "counter detection_groups_total camera_id,model_type,partition",
      "gauge camera_last_event_timestamp_seconds camera_id,partition",
      "counter llm_requests_total provider,model,status,partition",
      "histogram llm_latency_seconds provider,model,partition",
      "counter llm_tokens_total provider,model,kind,partition",
      "counter api_key_requests_total key_id,status,partition",
      "gauge api_key_success_rate key_id,partition",
      "counter aggregator_series_overflow_total metric,partition",
    ]);
  });

  it("maps detection events to frames, objects, groups, latency buckets and last-seen time", () => {
    const { families, apply } = world();
    apply([
      detection({ latencySeconds: 0.01, numObjects: 3, numGroups: 2, timeMs: NOW - 5_000 }),
      detection({ latencySeconds: 0.5, numObjects: 0, numGroups: 0, timeMs: NOW - 9_000 }),
      detection({ latencySeconds: 7, modelType: "yolov8s", cameraId: "2" }),
    ]);
    expect(scalar(families.all, "detection_total")).toEqual({ "1/yolov8n/0": 2, "2/yolov8s/0": 1 });
    expect(scalar(families.all, "detection_objects_total")).toEqual({ "1/yolov8n/0": 3, "2/yolov8s/0": 2 });
    expect(scalar(families.all, "detection_groups_total")).toEqual({ "1/yolov8n/0": 2, "2/yolov8s/0": 1 });
    expect(histogram(families.all, "detection_latency_seconds")).toEqual({
      "1/yolov8n/0": { counts: [1, 0, 1, 0], sum: 0.51, count: 2 },
      "2/yolov8s/0": { counts: [0, 0, 0, 1], sum: 7, count: 1 },
    });
    expect(scalar(families.all, "camera_last_event_timestamp_seconds")).toEqual({
      "1/0": (NOW - 5_000) / 1000,
      "2/0": NOW / 1000,
    });
  });

  it("starts every status at zero and counts tokens by kind", () => {
    const { families, apply } = world();
    apply([llm({ status: "rate_limited", promptTokens: 4, completionTokens: 0, latencySeconds: 20 })]);
    expect(scalar(families.all, "llm_requests_total")).toEqual({
      "openai/gpt/success/0": 0,
      "openai/gpt/error/0": 0,
      "openai/gpt/timeout/0": 0,
      "openai/gpt/rate_limited/0": 1,
    });
    expect(scalar(families.all, "llm_tokens_total")).toEqual({
      "openai/gpt/prompt/0": 4,
      "openai/gpt/completion/0": 0,
    });
    expect(histogram(families.all, "llm_latency_seconds")).toEqual({
      "openai/gpt/0": { counts: [0, 0, 1], sum: 20, count: 1 },
    });
    expect(scalar(families.all, "api_key_requests_total")).toEqual({
      "key-1/success/0": 0,
      "key-1/error/0": 0,
      "key-1/timeout/0": 0,
      "key-1/rate_limited/0": 1,
    });
  });

  it("computes the success rate over an event-time window; an event stamped after its record counts at the record's time", () => {
    const { clock, families, apply } = world();
    apply([
      llm({ status: "success", timeMs: NOW - 50_000 }),
      llm({ status: "error", timeMs: NOW - 1_000 }),
      llm({ status: "success", timeMs: NOW - 2_000 }),
      llm({ status: "timeout", timeMs: NOW - 3_000, keyId: "key-2" }),
      llm({ status: "success", timeMs: NOW - 120_000, keyId: "key-3" }),
      llm({ status: "success", timeMs: NOW + 3_600_000, keyId: "key-4" }),
    ]);
    expect(scalar(families.all, "api_key_success_rate")).toEqual({
      "key-1/0": 2 / 3,
      "key-2/0": 0,
      "key-4/0": 1,
    });
    clock.now = NOW + 20_000;
    expect(scalar(families.all, "api_key_success_rate")).toEqual({
      "key-1/0": 0.5,
      "key-2/0": 0,
      "key-4/0": 1,
    });
    clock.now = NOW + 120_000;
    expect(scalar(families.all, "api_key_success_rate")).toEqual({});
  });

  it("folds new label sets beyond the partition's limit into __overflow__ and counts them per metric", () => {
    const { families, apply } = world({ seriesLimit: 3 });
    apply(["1", "2", "3", "4", "5", "4"].map((cameraId) => detection({ cameraId, numObjects: 1 })));
    expect(scalar(families.all, "detection_total")).toEqual({
      "1/yolov8n/0": 1,
      "2/yolov8n/0": 1,
      "3/yolov8n/0": 1,
      "__overflow__/__overflow__/0": 3,
    });
    expect(scalar(families.all, "camera_last_event_timestamp_seconds")).toEqual({
      "1/0": NOW / 1000,
      "2/0": NOW / 1000,
      "3/0": NOW / 1000,
      "__overflow__/0": NOW / 1000,
    });
    expect(scalar(families.all, "aggregator_series_overflow_total")).toEqual({
      "detection_total/0": 3,
      "detection_latency_seconds/0": 3,
      "detection_objects_total/0": 3,
      "detection_groups_total/0": 3,
      "camera_last_event_timestamp_seconds/0": 3,
      "llm_requests_total/0": 0,
      "llm_latency_seconds/0": 0,
      "llm_tokens_total/0": 0,
      "api_key_requests_total/0": 0,
      "api_key_success_rate/0": 0,
    });
  });

  it("expires label sets idle longer than the TTL in the partition's record time, not the wall clock", () => {
    const { families, states, apply } = world();
    apply([detection({ cameraId: "old" })], NOW);
    apply([detection({ cameraId: "recent" })], NOW + 50_000);
    // Without newer records the partition's clock stands still: nothing is idle yet.
    expect(states.detection.expire(60_000)).toBe(0);
    apply([detection({ cameraId: "recent" })], NOW + 70_000);
    expect(states.detection.expire(60_000)).toBe(2);
    states.detection.snapshot().publish();
    expect(scalar(families.all, "detection_total")).toEqual({ "recent/yolov8n/0": 2 });
    expect(Object.keys(scalar(families.all, "camera_last_event_timestamp_seconds"))).toEqual(["recent/0"]);
  });

  it("shows committed state only: nothing before a snapshot is published, the snapshot's values after", () => {
    const { families, states, apply } = world({ publish: false });
    apply([detection(), detection()]);
    states.detection.advance("2", 2);
    expect(scalar(families.all, "detection_total")).toEqual({});
    const snapshot = states.detection.snapshot();
    apply([detection()]);
    states.detection.advance("3", 1);
    expect(scalar(families.all, "detection_total")).toEqual({});
    expect(snapshot.publish()).toBe(2);
    expect(scalar(families.all, "detection_total")).toEqual({ "1/yolov8n/0": 2 });
    expect(states.detection.shownNextOffset).toBe("2");
    expect(states.detection.snapshot().publish()).toBe(1);
    expect(scalar(families.all, "detection_total")).toEqual({ "1/yolov8n/0": 3 });
  });

  it("keeps an expired series on /metrics until its removal is committed", () => {
    const { families, states, apply } = world({ publish: false });
    apply([detection({ cameraId: "a" })], NOW);
    states.detection.snapshot().publish();
    apply([detection({ cameraId: "b" })], NOW + 120_000);
    expect(states.detection.expire(60_000)).toBe(2);
    expect(Object.keys(scalar(families.all, "detection_total"))).toEqual(["a/yolov8n/0"]);
    const { snapshot, records } = written(states.detection);
    expect(records.filter((r) => r.value === null).map((r) => r.key)).toEqual([
      '["detection/camera_id,model_type","a","yolov8n"]',
      '["detection/camera_id","a"]',
    ]);
    snapshot.publish();
    expect(Object.keys(scalar(families.all, "detection_total"))).toEqual(["b/yolov8n/0"]);
  });
});

describe("series TTL with late records", () => {
  /** Every sample a counter-like family shows (counters, histogram buckets, sums and counts), by series. */
  function monotone(families: readonly MetricFamily[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const f of families) {
      if (f.type === "histogram") {
        for (const s of (f as HistogramFamily).series()) {
          const key = `${f.name}{${s.labels.join("/")}}`;
          for (let i = 0; i < s.histogram.counts.length; i++)
            out.set(`${key}[${i}]`, s.histogram.counts[i] as number);
          out.set(`${key}count`, s.histogram.count);
        }
      } else if (f.name.endsWith("_total")) {
        for (const s of (f as ScalarFamily).series()) out.set(`${f.name}{${s.labels.join("/")}}`, s.value);
      }
    }
    return out;
  }

  it("removes an expired series from /metrics even when a late record touched it since the last commit", () => {
    const { families, states, apply } = world({ publish: false });
    apply([detection({ cameraId: "old" })], NOW);
    states.detection.snapshot().publish();
    apply([detection({ cameraId: "new" })], NOW + 120_000);
    // A late record: stamped before the partition's clock, so it does not make "old" younger.
    apply([detection({ cameraId: "old" })], NOW);
    expect(states.detection.expire(60_000)).toBe(2);
    const { snapshot, records } = written(states.detection);
    const old = records.filter((r) => r.key.includes('"old"'));
    // Its removal only: no values of it after its tombstone, which a restore would bring back.
    expect(old.map((r) => r.value)).toEqual([null, null]);
    snapshot.publish();
    expect(Object.keys(scalar(families.all, "detection_total"))).toEqual(["new/yolov8n/0"]);
  });

  it("continues an expired series whose removal is not committed yet when an event comes for it, rather than restarting it at 0", () => {
    const { families, states, apply } = world({ publish: false });
    apply([detection({ cameraId: "a" }), detection({ cameraId: "a" })], NOW);
    states.detection.snapshot().publish();
    apply([detection({ cameraId: "b" })], NOW + 120_000);
    expect(states.detection.expire(60_000)).toBe(2);
    apply([detection({ cameraId: "a" })], NOW + 120_000);
    states.detection.snapshot().publish();
    expect(scalar(families.all, "detection_total")).toEqual({ "a/yolov8n/0": 3, "b/yolov8n/0": 1 });
  });

  it("never shows a counter lower than at the commit before while the series stays shown, whatever the events, late records, expiries and commit points", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            camera: fc.constantFrom("1", "2", "3"),
            // Mostly forward in record time, sometimes far behind the partition's clock.
            advanceMs: fc.integer({ min: 0, max: 40_000 }),
            late: fc.boolean(),
            expire: fc.boolean(),
            commit: fc.boolean(),
          }),
          { maxLength: 120 },
        ),
        (steps) => {
          const { families, states } = world({ publish: false });
          let clock = NOW;
          let shown = new Map<string, number>();
          for (const step of steps) {
            clock += step.advanceMs;
            states.detection.apply(detection({ cameraId: step.camera }).event, step.late ? NOW : clock);
            if (step.expire) states.detection.expire(60_000);
            if (step.commit) {
              states.detection.snapshot().publish();
              const now = monotone(families.all);
              for (const [series, value] of now) {
                const before = shown.get(series);
                if (before !== undefined) expect(value, series).toBeGreaterThanOrEqual(before);
              }
              shown = now;
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Replays snapshot records into a new state, as a restore does. */
function restoreFrom(
  records: readonly { key: string; value: Buffer | null }[],
  stream: Stream,
  limit = 10,
  model?: StreamModel,
) {
  const state = newState(stream, limit, model);
  const reader = new ChangelogReader(state);
  for (const record of records) reader.read(record.key, record.value);
  writers.set(state, new ChangelogWriter(reader.finish()));
  return state;
}

/** Every family's series as plain data, for one partition's state (series order is not part of the state). */
function exposition(state: PartitionState, stream: Stream, now = NOW, model?: StreamModel) {
  const byLabels = (a: unknown[], b: unknown[]) => JSON.stringify(a[0]).localeCompare(JSON.stringify(b[0]));
  return eventFamilies(
    [model ?? (models.get(stream) as StreamModel)],
    (s) => (s === stream ? [state] : []),
    () => now,
  ).all.map((f) => [
    f.name,
    (f.type === "histogram"
      ? [...f.series()].map((s) => [s.labels, [...s.histogram.counts], s.histogram.sum, s.histogram.count])
      : [...f.series()].map((s) => [s.labels, s.value])
    ).sort(byLabels),
  ]);
}

describe("restore", () => {
  const arbitraryEvent: fc.Arbitrary<Tagged> = fc.oneof(
    fc
      .record({
        cameraId: fc.constantFrom("1", "2", "3", "4", "5", "6"),
        modelType: fc.constantFrom("yolov8n", "yolov8s"),
        latencySeconds: fc.double({ min: 0, max: 20, noNaN: true }),
        numObjects: fc.nat(50),
        numGroups: fc.nat(10),
        timeMs: fc.integer({ min: NOW - 600_000, max: NOW + 600_000 }),
      })
      .map((d) => detection(d)),
    fc
      .record({
        keyId: fc.constantFrom("k1", "k2", "k3"),
        status: fc.constantFrom(
          "success" as const,
          "error" as const,
          "timeout" as const,
          "rate_limited" as const,
        ),
        latencySeconds: fc.double({ min: 0, max: 100, noNaN: true }),
        timeMs: fc.integer({ min: NOW - 600_000, max: NOW + 600_000 }),
      })
      .map((l) => llm(l)),
  );

  it("rebuilds exactly the committed state from the records snapshots wrote, whatever the events, expiries and commit points", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(arbitraryEvent, fc.integer({ min: 0, max: 120_000 }), fc.boolean()), {
          maxLength: 80,
        }),
        fc.integer({ min: 1, max: 6 }),
        (steps, limit) => {
          for (const kind of ["detection", "llm"] as const) {
            const state = newState(kind, limit);
            const log: { key: string; value: Buffer | null }[] = [];
            let offset = 0;
            for (const [event, recordDelay, commit] of steps) {
              if (event.stream !== kind) continue;
              state.apply(event.event, NOW + recordDelay);
              state.advance(String(++offset), 1);
              if (recordDelay % 7 === 0) state.expire(30_000);
              if (commit) {
                const { snapshot, records } = written(state);
                log.push(...records);
                snapshot.publish();
              }
            }
            const restored = restoreFrom(log, kind, limit);
            expect(exposition(restored, kind)).toEqual(exposition(state, kind));
            expect(restored.shownNextOffset).toBe(state.shownNextOffset);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("admits the same label sets after a restore: the overflow entry and its count are state", () => {
    const state = newState("detection", 2);
    for (const cameraId of ["1", "2", "3"]) state.apply(detection({ cameraId }).event, NOW);
    state.advance("3", 3);
    const restored = restoreFrom(written(state).records, "detection", 2);
    restored.apply(detection({ cameraId: "4" }).event, NOW);
    restored.apply(detection({ cameraId: "1" }).event, NOW);
    restored.advance("5", 2);
    restored.snapshot().publish();
    const frames = exposition(restored, "detection")[0]?.[1] as [string[], number][];
    expect(Object.fromEntries(frames.map(([labels, v]) => [labels.join("/"), v]))).toEqual({
      "1/yolov8n/0": 2,
      "2/yolov8n/0": 1,
      "__overflow__/__overflow__/0": 2,
    });
    expect(restored.tables[0]?.shownOverflowed).toBe(2);
  });

  it("keeps every column whose metric did not change when the catalogue does, and writes the entries again in the new layout", () => {
    const before = newState("detection");
    before.apply(detection({ latencySeconds: 0.5, numObjects: 3 }).event, NOW);
    before.advance("1", 1);
    const log = [...written(before).records];
    // The next release: new latency buckets, detection_groups_total removed, a metric added to the same labels.
    const definitions = (models.get("detection") as StreamModel).metrics.map((m) => m.definition);
    const changed: MetricDefinition[] = [
      ...definitions
        .filter((d) => d.name !== "detection_groups_total")
        .map((d) => (d.name === "detection_latency_seconds" ? { ...d, buckets: [1, 2] } : d)),
      { ...(definitions[0] as MetricDefinition), name: "detection_frames_total" },
    ];
    const next = compileStreamModel("detection", shipped.contracts[0]?.labelFields ?? [], changed);
    const restored = restoreFrom(log, "detection", 10, next);
    expect(restored.nextOffset).toBe("1");
    expect(Object.fromEntries(exposition(restored, "detection", NOW, next))).toEqual({
      detection_total: [[["1", "yolov8n", "0"], 1]],
      detection_latency_seconds: [[["1", "yolov8n", "0"], [0, 0, 0], 0, 0]],
      detection_objects_total: [[["1", "yolov8n", "0"], 3]],
      camera_last_event_timestamp_seconds: [[["1", "0"], NOW / 1000]],
      detection_frames_total: [[["1", "yolov8n", "0"], 0]],
      aggregator_series_overflow_total: expect.any(Array),
    });
    expect(restored.unchanged).toBe(false);
    const rewrite = written(restored).records;
    expect(rewrite.filter((r) => r.value === null)).toEqual([]);
    expect(rewrite.map((r) => r.key)).toEqual([
      `@layout:${next.tables[0]?.layoutId}`,
      '["detection/camera_id,model_type","1","yolov8n"]',
      "@partition",
    ]);
    // Read back once more, from the whole log: the rewritten entry wins, in the new layout.
    const again = restoreFrom([...log, ...rewrite], "detection", 10, next);
    expect(exposition(again, "detection", NOW, next)).toEqual(exposition(restored, "detection", NOW, next));
    expect(again.unchanged).toBe(true);
  });

  it("reads an entry that comes before its layout in the log (compaction keeps order, not position)", () => {
    const before = newState("detection");
    before.apply(detection().event, NOW);
    before.advance("1", 1);
    const [layout, ...rest] = written(before).records.filter((r) => r.key !== "@partition");
    const restored = restoreFrom([...rest, layout as { key: string; value: Buffer | null }], "detection");
    expect(exposition(restored, "detection")[0]?.[1]).toEqual([[["1", "yolov8n", "0"], 1]]);
  });

  it("removes entries of a table the catalogue no longer has at the next commit", () => {
    const before = newState("detection");
    before.apply(detection().event, NOW);
    before.advance("1", 1);
    const definitions = (models.get("detection") as StreamModel).metrics.map((m) => m.definition);
    const withoutCameras = compileStreamModel(
      "detection",
      shipped.contracts[0]?.labelFields ?? [],
      definitions.filter((d) => d.name !== "camera_last_event_timestamp_seconds"),
    );
    const restored = restoreFrom(written(before).records, "detection", 10, withoutCameras);
    const tombstones = written(restored)
      .records.filter((r) => r.value === null)
      .map((r) => r.key);
    expect(tombstones).toEqual(['["detection/camera_id","1"]']);
  });
});

describe("what a publish changed", () => {
  it("names the entries publishes replaced since a version, until one adds or removes an entry", () => {
    const state = new PartitionState("d", 0, models.get("detection") as StreamModel, { seriesLimit: 100 });
    const apply = (cameraId: string) => state.apply(detection({ cameraId }).event, NOW);
    apply("1");
    apply("2");
    state.snapshot().publish();
    // The detection table (camera × model) is the first; the camera table the second.
    const table = state.tables[0] as NonNullable<(typeof state.tables)[0]>;
    const base = table.shownVersion;
    const keys = (entries: readonly { labels: readonly string[] }[] | undefined) =>
      entries?.map((entry) => entry.labels[0]);
    expect(keys(table.changedSince(base))).toEqual([]);
    apply("2");
    state.snapshot().publish();
    apply("1");
    state.snapshot().publish();
    expect(keys(table.changedSince(base))).toEqual(["2", "1"]);
    expect(keys(table.changedSince(base + 1))).toEqual(["1"]);
    // A new label set changes the layout: readers from before must read every entry.
    apply("3");
    state.snapshot().publish();
    expect(table.changedSince(base + 2)).toBeUndefined();
    expect(keys(table.changedSince(table.shownVersion))).toEqual([]);
  });
});
