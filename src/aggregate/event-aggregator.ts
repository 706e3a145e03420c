import {
  type DetectionEvent,
  type DomainEvent,
  LLM_STATUSES,
  type LlmEvent,
  type LlmStatus,
} from "../decode/domain-event.js";
import { Histogram } from "./histogram.js";
import type { MetricFamily, ScalarSeries } from "./metric-family.js";
import { SuccessWindow } from "./success-window.js";

/** Settings of {@link EventAggregator}; validated by the configuration layer. */
export interface AggregatorOptions {
  readonly detectionBuckets: readonly number[];
  readonly llmBuckets: readonly number[];
  readonly successRateWindowMs: number;
  /** Wall clock, injectable so the sliding window is testable. */
  readonly now?: () => number;
}

/** Aggregation state as the data path sees it: apply batches of events, read families at scrape time. */
export interface Aggregator {
  applyBatch(events: readonly DomainEvent[]): void;
  families(): readonly MetricFamily[];
}

interface DetectionSeries {
  readonly labels: readonly [cameraId: string, modelType: string];
  frames: number;
  objects: number;
  groups: number;
  readonly latency: Histogram;
}

interface LlmModelSeries {
  readonly labels: readonly [provider: string, model: string];
  readonly requests: Record<LlmStatus, number>;
  readonly latency: Histogram;
  promptTokens: number;
  completionTokens: number;
}

interface ApiKeySeries {
  readonly keyId: string;
  readonly requests: Record<LlmStatus, number>;
  readonly window: SuccessWindow;
}

const SEP = "\u0000";

function zeroStatuses(): Record<LlmStatus, number> {
  return { success: 0, error: 0, timeout: 0, rate_limited: 0 };
}

function* statusSeries<T>(
  entries: Iterable<T>,
  labelsOf: (entry: T) => readonly string[],
  requestsOf: (entry: T) => Record<LlmStatus, number>,
): Iterable<ScalarSeries> {
  for (const entry of entries) {
    const labels = labelsOf(entry);
    const requests = requestsOf(entry);
    for (const status of LLM_STATUSES) yield { labels: [...labels, status], value: requests[status] };
  }
}

/**
 * The one owner of metric state. Each event costs one map lookup per label
 * set it touches; a label set's series are created together, and every LLM
 * status starts at 0 so ratios in PromQL have both sides from the first event.
 */
export class EventAggregator implements Aggregator {
  private readonly detections = new Map<string, DetectionSeries>();
  private readonly lastSeenMs = new Map<string, number>();
  private readonly llmModels = new Map<string, LlmModelSeries>();
  private readonly apiKeys = new Map<string, ApiKeySeries>();
  private readonly now: () => number;
  private readonly familyList: readonly MetricFamily[];

  constructor(private readonly options: AggregatorOptions) {
    this.now = options.now ?? Date.now;
    this.familyList = this.describeFamilies();
  }

  applyBatch(events: readonly DomainEvent[]): void {
    const now = this.now();
    for (const event of events) {
      if (event.kind === "detection") this.applyDetection(event);
      else this.applyLlm(event, now);
    }
  }

  families(): readonly MetricFamily[] {
    return this.familyList;
  }

  private applyDetection(event: DetectionEvent): void {
    const key = event.cameraId + SEP + event.modelType;
    let series = this.detections.get(key);
    if (series === undefined) {
      series = {
        labels: [event.cameraId, event.modelType],
        frames: 0,
        objects: 0,
        groups: 0,
        latency: new Histogram(this.options.detectionBuckets),
      };
      this.detections.set(key, series);
    }
    series.frames++;
    series.objects += event.numObjects;
    series.groups += event.numGroups;
    series.latency.observe(event.latencySeconds);
    const seen = this.lastSeenMs.get(event.cameraId);
    if (seen === undefined || event.timeMs > seen) this.lastSeenMs.set(event.cameraId, event.timeMs);
  }

  private applyLlm(event: LlmEvent, now: number): void {
    const key = event.provider + SEP + event.model;
    let model = this.llmModels.get(key);
    if (model === undefined) {
      model = {
        labels: [event.provider, event.model],
        requests: zeroStatuses(),
        latency: new Histogram(this.options.llmBuckets),
        promptTokens: 0,
        completionTokens: 0,
      };
      this.llmModels.set(key, model);
    }
    model.requests[event.status]++;
    model.latency.observe(event.latencySeconds);
    model.promptTokens += event.promptTokens;
    model.completionTokens += event.completionTokens;

    let apiKey = this.apiKeys.get(event.keyId);
    if (apiKey === undefined) {
      apiKey = {
        keyId: event.keyId,
        requests: zeroStatuses(),
        window: new SuccessWindow(this.options.successRateWindowMs),
      };
      this.apiKeys.set(event.keyId, apiKey);
    }
    apiKey.requests[event.status]++;
    apiKey.window.record(event.timeMs, event.status === "success", now);
  }

  private describeFamilies(): readonly MetricFamily[] {
    const detections = this.detections;
    const llmModels = this.llmModels;
    const apiKeys = this.apiKeys;
    const lastSeen = this.lastSeenMs;
    const now = this.now;
    const cameraModel = ["camera_id", "model_type"] as const;
    const providerModel = ["provider", "model"] as const;
    return [
      {
        type: "counter",
        name: "detection_total",
        help: "Frames processed (detection events), per camera and model.",
        labelNames: cameraModel,
        *series() {
          for (const s of detections.values()) yield { labels: s.labels, value: s.frames };
        },
      },
      {
        type: "histogram",
        name: "detection_latency_seconds",
        help: "Inference latency per frame, in seconds.",
        labelNames: cameraModel,
        *series() {
          for (const s of detections.values()) yield { labels: s.labels, histogram: s.latency };
        },
      },
      {
        type: "counter",
        name: "detection_objects_total",
        help: "Objects detected, summed over frames, per camera and model.",
        labelNames: cameraModel,
        *series() {
          for (const s of detections.values()) yield { labels: s.labels, value: s.objects };
        },
      },
      {
        type: "counter",
        name: "detection_groups_total",
        help: "Object groups found, summed over frames, per camera and model.",
        labelNames: cameraModel,
        *series() {
          for (const s of detections.values()) yield { labels: s.labels, value: s.groups };
        },
      },
      {
        type: "gauge",
        name: "camera_last_event_timestamp_seconds",
        help: "Event time of the newest detection event seen per camera, in Unix seconds.",
        labelNames: ["camera_id"],
        *series() {
          for (const [cameraId, ms] of lastSeen) yield { labels: [cameraId], value: ms / 1000 };
        },
      },
      {
        type: "counter",
        name: "llm_requests_total",
        help: "LLM calls per provider, model and status.",
        labelNames: [...providerModel, "status"],
        series: () =>
          statusSeries(
            llmModels.values(),
            (s) => s.labels,
            (s) => s.requests,
          ),
      },
      {
        type: "histogram",
        name: "llm_latency_seconds",
        help: "LLM call latency, in seconds.",
        labelNames: providerModel,
        *series() {
          for (const s of llmModels.values()) yield { labels: s.labels, histogram: s.latency };
        },
      },
      {
        type: "counter",
        name: "llm_tokens_total",
        help: "Tokens used by LLM calls, per provider, model and kind (prompt or completion).",
        labelNames: [...providerModel, "kind"],
        *series() {
          for (const s of llmModels.values()) {
            yield { labels: [...s.labels, "prompt"], value: s.promptTokens };
            yield { labels: [...s.labels, "completion"], value: s.completionTokens };
          }
        },
      },
      {
        type: "counter",
        name: "api_key_requests_total",
        help: "LLM calls per API key id and status.",
        labelNames: ["key_id", "status"],
        series: () =>
          statusSeries(
            apiKeys.values(),
            (s) => [s.keyId],
            (s) => s.requests,
          ),
      },
      {
        type: "gauge",
        name: "api_key_success_rate",
        help: "Successful LLM calls ÷ all calls per API key id over the sliding window (absent when the window saw none).",
        labelNames: ["key_id"],
        *series() {
          const at = now();
          for (const s of apiKeys.values()) {
            const rate = s.window.rate(at);
            if (rate !== undefined) yield { labels: [s.keyId], value: rate };
          }
        },
      },
    ];
  }
}
