import { detectionWire, jsonBytes, llmWire } from "./events.js";
import { produce, type TestMessage } from "./kafka-client.js";

const DETECTION_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LLM_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
const STATUSES = ["success", "error", "timeout", "rate_limited"];
const BASE_TIME = Date.parse("2026-11-27T00:00:00.000Z");

/**
 * The n-th event of a deterministic stream, keyed as producers key them
 * (detections by camera, LLM calls by API key). Latencies are multiples of
 * 1/64 s, so every `_sum` is exact whatever order the events are added in.
 */
export function streamEvent(n: number): { kind: "detection" | "llm"; message: TestMessage } {
  if (n % 5 === 4) {
    const key = `key-${n % 7}`;
    return {
      kind: "llm",
      message: {
        key,
        value: jsonBytes(
          llmWire({
            timestamp: BASE_TIME + n,
            provider: n % 2 ? "openai" : "anthropic",
            model: n % 2 ? "gpt-4o-mini" : "claude",
            key_id: key,
            status: STATUSES[n % 4],
            latency_seconds: (n % 97) / 8,
            prompt_tokens: n % 300,
            completion_tokens: n % 40,
          }),
        ),
      },
    };
  }
  const camera = `cam-${n % 23}`;
  return {
    kind: "detection",
    message: {
      key: camera,
      value: jsonBytes(
        detectionWire({
          timestamp: BASE_TIME + n,
          camera_id: camera,
          model_type: n % 3 ? "yolov8n" : "yolov8s",
          latency_seconds: (n % 50) / 64,
          num_objects: n % 9,
          num_groups: n % 4,
        }),
      ),
    },
  };
}

const add = (expected: Map<string, number>, key: string, value: number) =>
  expected.set(key, (expected.get(key) ?? 0) + value);

function addHistogram(
  expected: Map<string, number>,
  name: string,
  labels: string,
  bounds: readonly number[],
  value: number,
): void {
  for (const le of [...bounds, Number.POSITIVE_INFINITY]) {
    const bound = le === Number.POSITIVE_INFINITY ? "+Inf" : String(le);
    add(expected, `${name}_bucket{${labels},le="${bound}"}`, value <= le ? 1 : 0);
  }
  expected.set(`${name}_sum{${labels}}`, (expected.get(`${name}_sum{${labels}}`) ?? 0) + value);
  expected.set(`${name}_count{${labels}}`, (expected.get(`${name}_count{${labels}}`) ?? 0) + 1);
}

/** The fields of a stream event the expectations read. */
interface Wire {
  provider: string;
  model: string;
  key_id: string;
  status: string;
  latency_seconds: number;
  prompt_tokens: number;
  completion_tokens: number;
  camera_id: string;
  model_type: string;
  num_objects: number;
  num_groups: number;
}

/**
 * What `/metrics`, summed over partitions and replicas, must show after the
 * first `count` events of the stream: every counter, every bucket, every
 * `_sum` and `_count` (computed here from the events, not by the service's code).
 */
export function expectedSeries(count: number): Map<string, number> {
  const expected = new Map<string, number>();
  for (let n = 0; n < count; n++) {
    const wire = JSON.parse(String(streamEvent(n).message.value)) as Wire;
    if (n % 5 === 4) {
      const pm = `provider="${wire.provider}",model="${wire.model}"`;
      for (const status of STATUSES) {
        add(expected, `llm_requests_total{${pm},status="${status}"}`, status === wire.status ? 1 : 0);
        add(
          expected,
          `api_key_requests_total{key_id="${wire.key_id}",status="${status}"}`,
          status === wire.status ? 1 : 0,
        );
      }
      add(expected, `llm_tokens_total{${pm},kind="prompt"}`, wire.prompt_tokens);
      add(expected, `llm_tokens_total{${pm},kind="completion"}`, wire.completion_tokens);
      addHistogram(expected, "llm_latency_seconds", pm, LLM_BOUNDS, wire.latency_seconds);
    } else {
      const cm = `camera_id="${wire.camera_id}",model_type="${wire.model_type}"`;
      add(expected, `detection_total{${cm}}`, 1);
      add(expected, `detection_objects_total{${cm}}`, wire.num_objects);
      add(expected, `detection_groups_total{${cm}}`, wire.num_groups);
      addHistogram(expected, "detection_latency_seconds", cm, DETECTION_BOUNDS, wire.latency_seconds);
    }
  }
  return expected;
}

const EVENT_FAMILY =
  /^(detection_total|detection_objects_total|detection_groups_total|detection_latency_seconds_(bucket|sum|count)|llm_requests_total|llm_latency_seconds_(bucket|sum|count)|llm_tokens_total|api_key_requests_total)\{/;

/** The event counters and histograms of several replicas' scrapes (partition label already removed), added up. */
export function sumOfReplicas(perReplica: readonly Map<string, number>[]): Map<string, number> {
  const total = new Map<string, number>();
  for (const samples of perReplica) {
    for (const [series, value] of samples) if (EVENT_FAMILY.test(series)) add(total, series, value);
  }
  return total;
}

/** Produces the stream in chunks at a steady pace until stopped or `total` events are sent. */
export class EventStream {
  private sent = 0;
  private readonly done: Promise<void>;
  private stopped = false;

  constructor(
    brokers: string,
    topics: { detection: string; llm: string },
    total: number,
    chunk = 400,
    pauseMs = 250,
  ) {
    this.done = (async () => {
      while (!this.stopped && this.sent < total) {
        const events = Array.from({ length: Math.min(chunk, total - this.sent) }, (_, i) =>
          streamEvent(this.sent + i),
        );
        await produce(
          brokers,
          topics.detection,
          events.filter((e) => e.kind === "detection").map((e) => e.message),
        );
        await produce(
          brokers,
          topics.llm,
          events.filter((e) => e.kind === "llm").map((e) => e.message),
        );
        this.sent += events.length;
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    })();
  }

  /** Events acknowledged so far. */
  get count(): number {
    return this.sent;
  }

  async finish(): Promise<number> {
    await this.done;
    return this.sent;
  }

  async stop(): Promise<number> {
    this.stopped = true;
    return this.finish();
  }
}
