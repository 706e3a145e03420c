import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { detectionWire, jsonBytes, llmWire } from "../support/events.js";
import { produce, type TestMessage } from "../support/kafka-client.js";
import { acrossPartitions, only, type Samples } from "../support/scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";

const brokers = inject("kafkaBrokers");
const NOW = Date.now();
const ISO_NEWEST = "2026-11-20T21:17:09.500Z";

/** Valid detection events spread over the partitions, with latencies on and between bucket bounds. */
const detections: TestMessage[] = [
  {
    partition: 0,
    value: jsonBytes(detectionWire({ latency_seconds: 0.004, num_objects: 1, num_groups: 0 })),
  },
  {
    partition: 1,
    value: jsonBytes(
      detectionWire({ latency_seconds: 0.005, num_objects: 2, num_groups: 1, timestamp: ISO_NEWEST }),
    ),
  },
  {
    partition: 2,
    value: jsonBytes(
      detectionWire({ latency_seconds: 0.03, num_objects: 3, num_groups: 1, timestamp: 1_763_673_421_000 }),
    ),
  },
  {
    partition: 0,
    value: jsonBytes(
      detectionWire({ latency_seconds: 0.2, num_objects: 4, num_groups: 2, extra_field: "ignored" }),
    ),
  },
  {
    partition: 1,
    value: jsonBytes(
      detectionWire({
        camera_id: 2,
        model_type: "yolov8s",
        latency_seconds: 12,
        num_objects: 5,
        num_groups: 1,
        timestamp: 1_795_000_000_000,
      }),
    ),
  },
  {
    partition: 2,
    value: jsonBytes(
      detectionWire({
        camera_id: 2,
        model_type: "yolov8s",
        latency_seconds: 0.75,
        num_objects: 0,
        num_groups: 0,
        timestamp: 1_794_000_000_000,
      }),
    ),
  },
  {
    partition: 0,
    value: jsonBytes(
      detectionWire({ model_type: "yolov8s", latency_seconds: 0.1, num_objects: 6, num_groups: 2 }),
    ),
  },
];

/**
 * One bad record for every reject reason a plain-JSON topic can produce, and a
 * tombstone. Only a leading `{` means JSON, so `[1,2]` is an unknown encoding.
 */
const badDetections: TestMessage[] = [
  { partition: 0, value: '{"camera_id": 1,' },
  { partition: 1, value: "{}" },
  { partition: 2, value: jsonBytes(detectionWire({ latency_seconds: -1 })) },
  { partition: 0, value: jsonBytes(detectionWire({ latency_seconds: "fast" })) },
  { partition: 1, value: jsonBytes(detectionWire({ timestamp: "yesterday" })) },
  { partition: 2, value: null },
  { partition: 0, value: Buffer.from([0, 0, 0, 0, 1, 2]) },
  { partition: 1, value: "[1,2]" },
  {
    partition: 2,
    value: JSON.stringify(detectionWire()).replace('"latency_seconds":0.05', '"latency_seconds":1e999'),
  },
  { partition: 0, value: jsonBytes(detectionWire({ camera_id: "" })) },
  { partition: 1, value: "\u0007binary" },
];

const llmCalls: TestMessage[] = [
  {
    partition: 0,
    value: jsonBytes(
      llmWire({
        key_id: "key-1",
        status: "success",
        latency_seconds: 0.3,
        prompt_tokens: 100,
        completion_tokens: 20,
        timestamp: NOW - 1_000,
      }),
    ),
  },
  {
    partition: 1,
    value: jsonBytes(
      llmWire({
        key_id: "key-1",
        status: "error",
        latency_seconds: 0.04,
        prompt_tokens: 50,
        completion_tokens: 0,
        timestamp: NOW - 2_000,
      }),
    ),
  },
  {
    partition: 2,
    value: jsonBytes(
      llmWire({
        key_id: "key-2",
        status: "success",
        latency_seconds: 130,
        prompt_tokens: 10,
        completion_tokens: 5,
        timestamp: new Date(NOW - 3_000).toISOString(),
      }),
    ),
  },
  {
    partition: 0,
    value: jsonBytes(
      llmWire({
        provider: "anthropic",
        model: "claude",
        key_id: "key-2",
        status: "rate_limited",
        latency_seconds: 0.05,
        prompt_tokens: 0,
        completion_tokens: 0,
        timestamp: NOW - 4_000,
      }),
    ),
  },
  {
    partition: 1,
    value: jsonBytes(
      llmWire({
        provider: "anthropic",
        model: "claude",
        key_id: "key-1",
        status: "timeout",
        latency_seconds: 60,
        prompt_tokens: 7,
        completion_tokens: 0,
        camera_id: 4,
        timestamp: NOW - 5_000,
      }),
    ),
  },
  // Older than the 5-minute window: counted, but not in the success rate.
  {
    partition: 2,
    value: jsonBytes(
      llmWire({
        key_id: "key-3",
        status: "success",
        latency_seconds: 1,
        prompt_tokens: 1,
        completion_tokens: 1,
        timestamp: NOW - 600_000,
      }),
    ),
  },
];

const badLlmCalls: TestMessage[] = [
  { partition: 0, value: jsonBytes(llmWire({ status: "unknown" })) },
  { partition: 1, value: jsonBytes(llmWire({ prompt_tokens: 1.5 })) },
  { partition: 2, value: "" },
];

function interleave(a: TestMessage[], b: TestMessage[]): TestMessage[] {
  const out: TestMessage[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i]) out.push(a[i] as TestMessage);
    if (b[i]) out.push(b[i] as TestMessage);
  }
  return out;
}

const CAM1_V8N = 'camera_id="1",model_type="yolov8n"';
const CAM2_V8S = 'camera_id="2",model_type="yolov8s"';
const CAM1_V8S = 'camera_id="1",model_type="yolov8s"';
const DETECTION_LES = [
  "0.005",
  "0.01",
  "0.025",
  "0.05",
  "0.075",
  "0.1",
  "0.25",
  "0.5",
  "1",
  "2.5",
  "5",
  "10",
  "+Inf",
];
const LLM_LES = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "20", "30", "60", "120", "+Inf"];

/** `_sum` values rounded to 1e-9: float addition depends on the order partitions deliver events in. */
function roundSums(series: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(series).map(([key, value]) => [
      key,
      key.includes("_sum{") ? Number(value.toFixed(9)) : value,
    ]),
  );
}

function histogram(
  name: string,
  labels: string,
  les: string[],
  cumulative: number[],
  sum: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  les.forEach((le, i) => {
    out[`${name}_bucket{${labels},le="${le}"}`] = cumulative[i] as number;
  });
  out[`${name}_sum{${labels}}`] = Number(sum.toFixed(9));
  out[`${name}_count{${labels}}`] = cumulative[cumulative.length - 1] as number;
  return out;
}

describe("aggregator against the real broker", () => {
  let aggregator: TestAggregator;
  /** As scraped: every series with its partition. */
  let perPartition: Samples;
  /** Counters and histograms summed over partitions. */
  let samples: Samples;

  beforeAll(async () => {
    aggregator = await startTestAggregator(brokers, {}, { partitions: 3 });
    const { detectionTopic, llmTopic } = aggregator.config;
    await aggregator.waitForReady();
    await produce(brokers, detectionTopic, interleave(detections, badDetections));
    await produce(brokers, llmTopic, interleave(llmCalls, badLlmCalls));
    perPartition = await aggregator.waitForCommitted({
      [detectionTopic]: detections.length + badDetections.length,
      [llmTopic]: llmCalls.length + badLlmCalls.length,
    });
    samples = acrossPartitions(perPartition);
  });
  afterAll(async () => {
    await aggregator?.stop();
  });

  it("counts frames, objects and groups per camera and model", () => {
    expect(only(samples, "detection_total", "detection_objects_total", "detection_groups_total")).toEqual({
      [`detection_total{${CAM1_V8N}}`]: 4,
      [`detection_total{${CAM2_V8S}}`]: 2,
      [`detection_total{${CAM1_V8S}}`]: 1,
      [`detection_objects_total{${CAM1_V8N}}`]: 10,
      [`detection_objects_total{${CAM2_V8S}}`]: 5,
      [`detection_objects_total{${CAM1_V8S}}`]: 6,
      [`detection_groups_total{${CAM1_V8N}}`]: 4,
      [`detection_groups_total{${CAM2_V8S}}`]: 1,
      [`detection_groups_total{${CAM1_V8S}}`]: 2,
    });
  });

  it("puts every latency in its bucket, bounds inclusive", () => {
    expect(roundSums(only(samples, "detection_latency_seconds"))).toEqual({
      ...histogram(
        "detection_latency_seconds",
        CAM1_V8N,
        DETECTION_LES,
        [2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4],
        0.004 + 0.005 + 0.03 + 0.2,
      ),
      ...histogram(
        "detection_latency_seconds",
        CAM2_V8S,
        DETECTION_LES,
        [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2],
        12.75,
      ),
      ...histogram(
        "detection_latency_seconds",
        CAM1_V8S,
        DETECTION_LES,
        [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
        0.1,
      ),
    });
  });

  it("keeps the newest event time per camera and partition", () => {
    expect(only(perPartition, "camera_last_event_timestamp_seconds")).toEqual({
      'camera_last_event_timestamp_seconds{camera_id="1",partition="0"}':
        Date.parse("2026-11-20T21:17:01.123Z") / 1000,
      'camera_last_event_timestamp_seconds{camera_id="1",partition="1"}': Date.parse(ISO_NEWEST) / 1000,
      'camera_last_event_timestamp_seconds{camera_id="1",partition="2"}': 1_763_673_421,
      'camera_last_event_timestamp_seconds{camera_id="2",partition="1"}': 1_795_000_000,
      'camera_last_event_timestamp_seconds{camera_id="2",partition="2"}': 1_794_000_000,
    });
  });

  it("shows exactly the committed state: every partition's state stands at its end offset", () => {
    const { detectionTopic: d, llmTopic: l } = aggregator.config;
    // 18 detection and 9 LLM records, spread round the three partitions in the order produced.
    expect(only(perPartition, "aggregator_state_next_offset")).toEqual({
      [`aggregator_state_next_offset{topic="${d}",partition="0"}`]: 7,
      [`aggregator_state_next_offset{topic="${d}",partition="1"}`]: 6,
      [`aggregator_state_next_offset{topic="${d}",partition="2"}`]: 5,
      [`aggregator_state_next_offset{topic="${l}",partition="0"}`]: 3,
      [`aggregator_state_next_offset{topic="${l}",partition="1"}`]: 3,
      [`aggregator_state_next_offset{topic="${l}",partition="2"}`]: 3,
    });
    expect(perPartition.get('aggregator_state_commits_total{result="failed"}')).toBe(0);
  });

  it("counts LLM calls, tokens and latency per provider and model", () => {
    const gpt = 'provider="openai",model="gpt-4o-mini"';
    const claude = 'provider="anthropic",model="claude"';
    expect(only(samples, "llm_requests_total", "llm_tokens_total")).toEqual({
      [`llm_requests_total{${gpt},status="success"}`]: 3,
      [`llm_requests_total{${gpt},status="error"}`]: 1,
      [`llm_requests_total{${gpt},status="timeout"}`]: 0,
      [`llm_requests_total{${gpt},status="rate_limited"}`]: 0,
      [`llm_requests_total{${claude},status="success"}`]: 0,
      [`llm_requests_total{${claude},status="error"}`]: 0,
      [`llm_requests_total{${claude},status="timeout"}`]: 1,
      [`llm_requests_total{${claude},status="rate_limited"}`]: 1,
      [`llm_tokens_total{${gpt},kind="prompt"}`]: 161,
      [`llm_tokens_total{${gpt},kind="completion"}`]: 26,
      [`llm_tokens_total{${claude},kind="prompt"}`]: 7,
      [`llm_tokens_total{${claude},kind="completion"}`]: 0,
    });
    expect(roundSums(only(samples, "llm_latency_seconds"))).toEqual({
      ...histogram(
        "llm_latency_seconds",
        gpt,
        LLM_LES,
        [1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4],
        0.3 + 0.04 + 130 + 1,
      ),
      ...histogram("llm_latency_seconds", claude, LLM_LES, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2], 60.05),
    });
  });

  it("counts calls per API key and the success rate over the window, per partition", () => {
    expect(only(perPartition, "api_key_success_rate")).toEqual({
      'api_key_success_rate{key_id="key-1",partition="0"}': 1,
      'api_key_success_rate{key_id="key-1",partition="1"}': 0,
      'api_key_success_rate{key_id="key-2",partition="0"}': 0,
      'api_key_success_rate{key_id="key-2",partition="2"}': 1,
    });
    expect(only(samples, "api_key_requests_total")).toEqual({
      'api_key_requests_total{key_id="key-1",status="success"}': 1,
      'api_key_requests_total{key_id="key-1",status="error"}': 1,
      'api_key_requests_total{key_id="key-1",status="timeout"}': 1,
      'api_key_requests_total{key_id="key-1",status="rate_limited"}': 0,
      'api_key_requests_total{key_id="key-2",status="success"}': 1,
      'api_key_requests_total{key_id="key-2",status="error"}': 0,
      'api_key_requests_total{key_id="key-2",status="timeout"}': 0,
      'api_key_requests_total{key_id="key-2",status="rate_limited"}': 1,
      'api_key_requests_total{key_id="key-3",status="success"}': 1,
      'api_key_requests_total{key_id="key-3",status="error"}': 0,
      'api_key_requests_total{key_id="key-3",status="timeout"}': 0,
      'api_key_requests_total{key_id="key-3",status="rate_limited"}': 0,
    });
  });

  it("counts every bad record by topic and reason, and skips tombstones and empty values", () => {
    const { detectionTopic: d, llmTopic: l } = aggregator.config;
    const nonZero = Object.fromEntries(
      Object.entries(
        only(samples, "aggregator_events_invalid_total", "aggregator_events_skipped_total"),
      ).filter(([, value]) => value !== 0),
    );
    expect(nonZero).toEqual({
      [`aggregator_events_invalid_total{topic="${d}",reason="invalid_json"}`]: 1,
      [`aggregator_events_invalid_total{topic="${d}",reason="missing_field"}`]: 1,
      [`aggregator_events_invalid_total{topic="${d}",reason="out_of_range"}`]: 1,
      [`aggregator_events_invalid_total{topic="${d}",reason="wrong_type"}`]: 1,
      [`aggregator_events_invalid_total{topic="${d}",reason="invalid_timestamp"}`]: 1,
      [`aggregator_events_invalid_total{topic="${d}",reason="registry_not_configured"}`]: 1,
      [`aggregator_events_invalid_total{topic="${d}",reason="non_finite"}`]: 1,
      [`aggregator_events_invalid_total{topic="${d}",reason="invalid_value"}`]: 1,
      [`aggregator_events_invalid_total{topic="${d}",reason="unknown_encoding"}`]: 2,
      [`aggregator_events_skipped_total{topic="${d}",reason="tombstone"}`]: 1,
      [`aggregator_events_invalid_total{topic="${l}",reason="invalid_value"}`]: 1,
      [`aggregator_events_invalid_total{topic="${l}",reason="wrong_type"}`]: 1,
      [`aggregator_events_skipped_total{topic="${l}",reason="empty"}`]: 1,
    });
    expect(samples.get("aggregator_ready")).toBe(1);
    expect(samples.get("aggregator_assigned_partitions")).toBe(6);
    expect(samples.get("aggregator_rebalances_total")).toBe(1);
    for (const partition of [0, 1, 2]) {
      expect(samples.get(`aggregator_consumer_lag{topic="${d}",partition="${partition}"}`)).toBe(0);
    }
  });

  it("logs each rejected event with its reason", () => {
    const reasons = aggregator.logs
      .filter((line) => line.event === "event_rejected")
      .map((line) => line.reason);
    expect(new Set(reasons)).toEqual(
      new Set([
        "invalid_json",
        "missing_field",
        "out_of_range",
        "wrong_type",
        "invalid_timestamp",
        "registry_not_configured",
        "non_finite",
        "invalid_value",
        "unknown_encoding",
      ]),
    );
  });
});
