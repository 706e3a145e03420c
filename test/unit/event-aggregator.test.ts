import { describe, expect, it } from "vitest";
import { EventAggregator } from "../../src/aggregate/event-aggregator.js";
import type { HistogramFamily, ScalarFamily } from "../../src/aggregate/metric-family.js";
import type { DetectionEvent, LlmEvent } from "../../src/decode/domain-event.js";

const NOW = 1_800_000_000_000;

function detection(overrides: Partial<DetectionEvent> = {}): DetectionEvent {
  return {
    kind: "detection",
    eventId: "e",
    timeMs: NOW,
    cameraId: "1",
    modelType: "yolov8n",
    latencySeconds: 0.05,
    numObjects: 2,
    numGroups: 1,
    ...overrides,
  };
}

function llm(overrides: Partial<LlmEvent> = {}): LlmEvent {
  return {
    kind: "llm",
    eventId: "l",
    timeMs: NOW,
    provider: "openai",
    model: "gpt",
    keyId: "key-1",
    status: "success",
    latencySeconds: 1,
    promptTokens: 10,
    completionTokens: 2,
    cameraId: undefined,
    ...overrides,
  };
}

function aggregatorAt(clock: { now: number }, seriesLimit = 10) {
  return new EventAggregator({
    detectionBuckets: [0.01, 0.1, 1],
    llmBuckets: [1, 10],
    successRateWindowMs: 60_000,
    seriesLimit,
    now: () => clock.now,
  });
}

function scalar(aggregator: EventAggregator, name: string): Record<string, number> {
  const family = aggregator.families().find((f) => f.name === name) as ScalarFamily;
  return Object.fromEntries([...family.series()].map((s) => [s.labels.join("/"), s.value]));
}

function histogram(aggregator: EventAggregator, name: string) {
  const family = aggregator.families().find((f) => f.name === name) as HistogramFamily;
  return Object.fromEntries(
    [...family.series()].map((s) => [
      s.labels.join("/"),
      { counts: [...s.histogram.counts], sum: s.histogram.sum, count: s.histogram.count },
    ]),
  );
}

describe("EventAggregator", () => {
  it("exposes the families of the metric contract, in order", () => {
    expect(
      aggregatorAt({ now: NOW })
        .families()
        .map((f) => `${f.type} ${f.name} ${f.labelNames.join(",")}`),
    ).toEqual([
      "counter detection_total camera_id,model_type",
      "histogram detection_latency_seconds camera_id,model_type",
      "counter detection_objects_total camera_id,model_type",
      "counter detection_groups_total camera_id,model_type",
      "gauge camera_last_event_timestamp_seconds camera_id",
      "counter llm_requests_total provider,model,status",
      "histogram llm_latency_seconds provider,model",
      "counter llm_tokens_total provider,model,kind",
      "counter api_key_requests_total key_id,status",
      "gauge api_key_success_rate key_id",
      "counter aggregator_series_overflow_total metric",
    ]);
  });

  it("maps detection events to frames, objects, groups, latency buckets and last-seen time", () => {
    const aggregator = aggregatorAt({ now: NOW });
    aggregator.applyBatch([
      detection({ latencySeconds: 0.01, numObjects: 3, numGroups: 2, timeMs: NOW - 5_000 }),
      detection({ latencySeconds: 0.5, numObjects: 0, numGroups: 0, timeMs: NOW - 9_000 }),
      detection({ latencySeconds: 7, modelType: "yolov8s", cameraId: "2" }),
    ]);
    expect(scalar(aggregator, "detection_total")).toEqual({ "1/yolov8n": 2, "2/yolov8s": 1 });
    expect(scalar(aggregator, "detection_objects_total")).toEqual({ "1/yolov8n": 3, "2/yolov8s": 2 });
    expect(scalar(aggregator, "detection_groups_total")).toEqual({ "1/yolov8n": 2, "2/yolov8s": 1 });
    expect(histogram(aggregator, "detection_latency_seconds")).toEqual({
      "1/yolov8n": { counts: [1, 0, 1, 0], sum: 0.51, count: 2 },
      "2/yolov8s": { counts: [0, 0, 0, 1], sum: 7, count: 1 },
    });
    expect(scalar(aggregator, "camera_last_event_timestamp_seconds")).toEqual({
      "1": (NOW - 5_000) / 1000,
      "2": NOW / 1000,
    });
  });

  it("starts every status at zero and counts tokens by kind", () => {
    const aggregator = aggregatorAt({ now: NOW });
    aggregator.applyBatch([
      llm({ status: "rate_limited", promptTokens: 4, completionTokens: 0, latencySeconds: 20 }),
    ]);
    expect(scalar(aggregator, "llm_requests_total")).toEqual({
      "openai/gpt/success": 0,
      "openai/gpt/error": 0,
      "openai/gpt/timeout": 0,
      "openai/gpt/rate_limited": 1,
    });
    expect(scalar(aggregator, "llm_tokens_total")).toEqual({
      "openai/gpt/prompt": 4,
      "openai/gpt/completion": 0,
    });
    expect(histogram(aggregator, "llm_latency_seconds")).toEqual({
      "openai/gpt": { counts: [0, 0, 1], sum: 20, count: 1 },
    });
    expect(scalar(aggregator, "api_key_requests_total")).toEqual({
      "key-1/success": 0,
      "key-1/error": 0,
      "key-1/timeout": 0,
      "key-1/rate_limited": 1,
    });
  });

  it("computes the success rate over a window that slides with the clock", () => {
    const clock = { now: NOW };
    const aggregator = aggregatorAt(clock);
    aggregator.applyBatch([
      llm({ status: "success", timeMs: NOW - 50_000 }),
      llm({ status: "error", timeMs: NOW - 1_000 }),
      llm({ status: "success", timeMs: NOW - 2_000 }),
      llm({ status: "timeout", timeMs: NOW - 3_000, keyId: "key-2" }),
      llm({ status: "success", timeMs: NOW - 120_000, keyId: "key-3" }),
      llm({ status: "success", timeMs: NOW + 3_600_000, keyId: "key-4" }),
    ]);
    expect(scalar(aggregator, "api_key_success_rate")).toEqual({ "key-1": 2 / 3, "key-2": 0, "key-4": 1 });
    clock.now = NOW + 20_000;
    expect(scalar(aggregator, "api_key_success_rate")).toEqual({ "key-1": 0.5, "key-2": 0, "key-4": 1 });
    clock.now = NOW + 120_000;
    expect(scalar(aggregator, "api_key_success_rate")).toEqual({});
  });

  it("folds new label sets beyond the limit into __overflow__ and counts them per metric", () => {
    const aggregator = aggregatorAt({ now: NOW }, 3);
    aggregator.applyBatch(
      ["1", "2", "3", "4", "5", "4"].map((cameraId) => detection({ cameraId, numObjects: 1 })),
    );
    expect(scalar(aggregator, "detection_total")).toEqual({
      "1/yolov8n": 1,
      "2/yolov8n": 1,
      "3/yolov8n": 1,
      "__overflow__/__overflow__": 3,
    });
    expect(scalar(aggregator, "camera_last_event_timestamp_seconds")).toEqual({
      "1": NOW / 1000,
      "2": NOW / 1000,
      "3": NOW / 1000,
      __overflow__: NOW / 1000,
    });
    expect(scalar(aggregator, "aggregator_series_overflow_total")).toEqual({
      detection_total: 3,
      detection_latency_seconds: 3,
      detection_objects_total: 3,
      detection_groups_total: 3,
      camera_last_event_timestamp_seconds: 3,
      llm_requests_total: 0,
      llm_latency_seconds: 0,
      llm_tokens_total: 0,
      api_key_requests_total: 0,
      api_key_success_rate: 0,
    });
  });

  it("expires label sets idle longer than the TTL, making room under the limit", () => {
    const clock = { now: NOW };
    const aggregator = aggregatorAt(clock);
    aggregator.applyBatch([detection({ cameraId: "old" })]);
    clock.now = NOW + 50_000;
    aggregator.applyBatch([detection({ cameraId: "recent" })]);
    clock.now = NOW + 70_000;
    expect(aggregator.expireIdle(60_000)).toBe(2);
    expect(scalar(aggregator, "detection_total")).toEqual({ "recent/yolov8n": 1 });
    expect(Object.keys(scalar(aggregator, "camera_last_event_timestamp_seconds"))).toEqual(["recent"]);
  });
});
