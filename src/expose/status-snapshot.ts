import type { HistogramFamily, MetricFamily, ScalarFamily } from "../aggregate/metric-family.js";
import { histogramQuantile } from "./histogram-quantile.js";
import type { SampleFamily } from "./render-families.js";

/** What the status page shows, computed at request time from the same state `/metrics` renders. */
export interface StatusSnapshot {
  readonly generatedAtMs: number;
  readonly ready: boolean;
  readonly readyDetail: string;
  readonly events: { readonly consumed: number; readonly invalid: number; readonly skipped: number };
  readonly cameras: readonly { cameraId: string; frames: number; lastSeenSeconds: number | null }[];
  readonly models: readonly { modelType: string; frames: number; p95Seconds: number | null }[];
  readonly apiKeys: readonly { keyId: string; requests: number; successRate: number | null }[];
  readonly invalid: readonly { topic: string; reason: string; count: number }[];
  readonly lag: readonly { topic: string; partition: string; lag: number }[];
}

function scalar(families: readonly MetricFamily[], name: string): ScalarFamily | undefined {
  return families.find((f): f is ScalarFamily => f.name === name && f.type !== "histogram");
}

function samplesOf(families: readonly SampleFamily[], name: string) {
  return families.find((f) => f.name === name)?.samples ?? [];
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/**
 * Summarises event families and self metrics for people: per camera, per
 * model (p95 over all its cameras), per API key, plus rejects and lag.
 */
export function statusSnapshot(
  events: readonly MetricFamily[],
  self: readonly SampleFamily[],
  readiness: { ready: boolean; detail: string },
  nowMs: number,
): StatusSnapshot {
  const frames = new Map<string, number>();
  for (const s of scalar(events, "detection_total")?.series() ?? []) {
    frames.set(s.labels[0] as string, (frames.get(s.labels[0] as string) ?? 0) + s.value);
  }
  const lastSeen = new Map<string, number>();
  for (const s of scalar(events, "camera_last_event_timestamp_seconds")?.series() ?? []) {
    lastSeen.set(s.labels[0] as string, s.value);
  }
  const perModel = new Map<string, { bounds: readonly number[]; counts: number[] }>();
  const latency = events.find((f): f is HistogramFamily => f.name === "detection_latency_seconds");
  for (const { labels, histogram } of latency?.series() ?? []) {
    const model = labels[1] as string;
    const merged = perModel.get(model) ?? {
      bounds: histogram.bounds,
      counts: new Array(histogram.counts.length).fill(0),
    };
    histogram.counts.forEach((count, i) => {
      merged.counts[i] = (merged.counts[i] as number) + count;
    });
    perModel.set(model, merged);
  }
  const requests = new Map<string, number>();
  for (const s of scalar(events, "api_key_requests_total")?.series() ?? []) {
    requests.set(s.labels[0] as string, (requests.get(s.labels[0] as string) ?? 0) + s.value);
  }
  const rates = new Map<string, number>();
  for (const s of scalar(events, "api_key_success_rate")?.series() ?? [])
    rates.set(s.labels[0] as string, s.value);

  const invalidSamples = samplesOf(self, "aggregator_events_invalid_total");
  return {
    generatedAtMs: nowMs,
    ready: readiness.ready,
    readyDetail: readiness.detail,
    events: {
      consumed: sum(samplesOf(self, "aggregator_events_consumed_total").map((s) => s.value)),
      invalid: sum(invalidSamples.map((s) => s.value)),
      skipped: sum(samplesOf(self, "aggregator_events_skipped_total").map((s) => s.value)),
    },
    cameras: [...frames].map(([cameraId, count]) => ({
      cameraId,
      frames: count,
      lastSeenSeconds: lastSeen.get(cameraId) ?? null,
    })),
    models: [...perModel].map(([modelType, h]) => ({
      modelType,
      frames: sum(h.counts),
      p95Seconds: histogramQuantile(0.95, h.bounds, h.counts) ?? null,
    })),
    apiKeys: [...requests].map(([keyId, count]) => ({
      keyId,
      requests: count,
      successRate: rates.get(keyId) ?? null,
    })),
    invalid: invalidSamples
      .filter((s) => s.value > 0)
      .map((s) => ({ topic: String(s.labels.topic), reason: String(s.labels.reason), count: s.value })),
    lag: samplesOf(self, "aggregator_consumer_lag")
      .map((s) => ({ topic: String(s.labels.topic), partition: String(s.labels.partition), lag: s.value }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || Number(a.partition) - Number(b.partition)),
  };
}
