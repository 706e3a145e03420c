import {
  type DetectionEvent,
  type DomainEvent,
  LLM_STATUSES,
  type LlmEvent,
  type LlmStatus,
} from "../decode/domain-event.js";
import { Histogram } from "./histogram.js";
import type { MetricFamily, ScalarSeries } from "./metric-family.js";
import { SeriesTable } from "./series-table.js";
import { SuccessWindow } from "./success-window.js";

/** Settings of {@link EventAggregator}; validated by the configuration layer. */
export interface AggregatorOptions {
  readonly detectionBuckets: readonly number[];
  readonly llmBuckets: readonly number[];
  readonly successRateWindowMs: number;
  /** Label sets per metric before new ones fold into `__overflow__`. */
  readonly seriesLimit: number;
  /** Wall clock, injectable so the sliding window and expiry are testable. */
  readonly now?: () => number;
}

/** Aggregation state as the data path sees it: apply batches of events, read families at scrape time. */
export interface Aggregator {
  applyBatch(events: readonly DomainEvent[]): void;
  families(): readonly MetricFamily[];
}

/** Families that share a table of label sets, as `aggregator_series_overflow_total{metric}` names them. */
const TABLE_FAMILIES = {
  detections: [
    "detection_total",
    "detection_latency_seconds",
    "detection_objects_total",
    "detection_groups_total",
  ],
  cameras: ["camera_last_event_timestamp_seconds"],
  llmModels: ["llm_requests_total", "llm_latency_seconds", "llm_tokens_total"],
  apiKeys: ["api_key_requests_total", "api_key_success_rate"],
} as const;

interface DetectionSeries {
  readonly labels: readonly string[];
  lastUpdateMs: number;
  frames: number;
  objects: number;
  groups: number;
  readonly latency: Histogram;
}

interface CameraSeries {
  readonly labels: readonly string[];
  lastUpdateMs: number;
  lastEventMs: number;
}

interface LlmModelSeries {
  readonly labels: readonly string[];
  lastUpdateMs: number;
  readonly requests: Record<LlmStatus, number>;
  readonly latency: Histogram;
  promptTokens: number;
  completionTokens: number;
}

interface ApiKeySeries {
  readonly labels: readonly string[];
  lastUpdateMs: number;
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
  private readonly detections: SeriesTable<DetectionSeries>;
  private readonly cameras: SeriesTable<CameraSeries>;
  private readonly llmModels: SeriesTable<LlmModelSeries>;
  private readonly apiKeys: SeriesTable<ApiKeySeries>;
  private readonly now: () => number;
  private readonly familyList: readonly MetricFamily[];

  constructor(options: AggregatorOptions) {
    this.now = options.now ?? Date.now;
    const limit = options.seriesLimit;
    this.detections = new SeriesTable(limit, 2, (labels) => ({
      labels,
      lastUpdateMs: 0,
      frames: 0,
      objects: 0,
      groups: 0,
      latency: new Histogram(options.detectionBuckets),
    }));
    this.cameras = new SeriesTable(limit, 1, (labels) => ({ labels, lastUpdateMs: 0, lastEventMs: 0 }));
    this.llmModels = new SeriesTable(limit, 2, (labels) => ({
      labels,
      lastUpdateMs: 0,
      requests: zeroStatuses(),
      latency: new Histogram(options.llmBuckets),
      promptTokens: 0,
      completionTokens: 0,
    }));
    this.apiKeys = new SeriesTable(limit, 1, (labels) => ({
      labels,
      lastUpdateMs: 0,
      requests: zeroStatuses(),
      window: new SuccessWindow(options.successRateWindowMs),
    }));
    this.familyList = this.describeFamilies();
  }

  applyBatch(events: readonly DomainEvent[]): void {
    const now = this.now();
    for (const event of events) {
      if (event.kind === "detection") this.applyDetection(event, now);
      else this.applyLlm(event, now);
    }
  }

  families(): readonly MetricFamily[] {
    return this.familyList;
  }

  /** Forgets label sets no event touched for `ttlMs`; their series leave the exposition. Returns how many. */
  expireIdle(ttlMs: number): number {
    const cutoff = this.now() - ttlMs;
    return [this.detections, this.cameras, this.llmModels, this.apiKeys].reduce(
      (sum, table) => sum + table.expireIdleSince(cutoff),
      0,
    );
  }

  private applyDetection(event: DetectionEvent, now: number): void {
    const series = this.detections.get(
      event.cameraId + SEP + event.modelType,
      () => [event.cameraId, event.modelType],
      now,
    );
    series.frames++;
    series.objects += event.numObjects;
    series.groups += event.numGroups;
    series.latency.observe(event.latencySeconds);
    const camera = this.cameras.get(event.cameraId, () => [event.cameraId], now);
    if (event.timeMs > camera.lastEventMs) camera.lastEventMs = event.timeMs;
  }

  private applyLlm(event: LlmEvent, now: number): void {
    const model = this.llmModels.get(
      event.provider + SEP + event.model,
      () => [event.provider, event.model],
      now,
    );
    model.requests[event.status]++;
    model.latency.observe(event.latencySeconds);
    model.promptTokens += event.promptTokens;
    model.completionTokens += event.completionTokens;

    const apiKey = this.apiKeys.get(event.keyId, () => [event.keyId], now);
    apiKey.requests[event.status]++;
    apiKey.window.record(event.timeMs, event.status === "success", now);
  }

  private describeFamilies(): readonly MetricFamily[] {
    const detections = this.detections;
    const llmModels = this.llmModels;
    const apiKeys = this.apiKeys;
    const cameras = this.cameras;
    const tables = { detections, cameras, llmModels, apiKeys };
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
          for (const s of cameras.values()) yield { labels: s.labels, value: s.lastEventMs / 1000 };
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
            (s) => s.labels,
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
            if (rate !== undefined) yield { labels: s.labels, value: rate };
          }
        },
      },
      {
        type: "counter",
        name: "aggregator_series_overflow_total",
        help: "Events whose new label set was folded into the __overflow__ series because the metric reached SERIES_LIMIT.",
        labelNames: ["metric"],
        *series() {
          for (const [table, names] of Object.entries(TABLE_FAMILIES)) {
            const overflowed = tables[table as keyof typeof tables].overflowed;
            for (const name of names) yield { labels: [name], value: overflowed };
          }
        },
      },
    ];
  }
}
