import type { EventFamilies } from "../aggregate/event-families.js";
import type { ScalarFamily } from "../aggregate/metric-family.js";
import type { StatusCounts } from "../self-metrics/self-metrics.js";
import type { ComponentStatus } from "../util/component-status.js";
import { histogramQuantile } from "./histogram-quantile.js";
import type { LiveFigures } from "./status-trend.js";

/** What the status page shows, computed at request time from the same state `/metrics` renders. */
export interface StatusSnapshot {
  readonly generatedAtMs: number;
  readonly ready: boolean;
  readonly readyDetail: string;
  readonly events: {
    readonly consumed: number;
    readonly committed: number;
    readonly invalid: number;
    readonly skipped: number;
  };
  readonly cameras: readonly { cameraId: string; frames: number; lastSeenSeconds: number | null }[];
  readonly models: readonly { modelType: string; frames: number; p95Seconds: number | null }[];
  readonly apiKeys: readonly { keyId: string; requests: number; successRate: number | null }[];
  readonly invalid: readonly { topic: string; reason: string; count: number }[];
  readonly lag: readonly { topic: string; partition: string; lag: number }[];
  /** Rates and recent figures over the last seconds, for the tiles and the charts. */
  readonly live: LiveFigures;
}

/** Sums a family's values by one label, across partitions and the other labels. */
function sumBy(
  family: ScalarFamily,
  label: string,
  where?: (labels: readonly string[]) => boolean,
): Map<string, number> {
  const at = family.labelNames.indexOf(label);
  const sums = new Map<string, number>();
  for (const { labels, value } of family.series()) {
    if (where && !where(labels)) continue;
    const key = labels[at] as string;
    sums.set(key, (sums.get(key) ?? 0) + value);
  }
  return sums;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/**
 * Summarises the event families and self metrics for people: per camera, per
 * model (p95 over all its cameras and partitions), per API key, plus rejects
 * and lag. Reads families through their handles and labels by name.
 */
export function statusSnapshot(
  families: EventFamilies,
  counts: StatusCounts,
  live: LiveFigures,
  readiness: ComponentStatus,
  nowMs: number,
): StatusSnapshot {
  const frames = sumBy(families.detectionTotal, "camera_id");
  const lastSeen = new Map<string, number>();
  const cameraAt = families.cameraLastEvent.labelNames.indexOf("camera_id");
  for (const { labels, value } of families.cameraLastEvent.series()) {
    const camera = labels[cameraAt] as string;
    lastSeen.set(camera, Math.max(value, lastSeen.get(camera) ?? value));
  }
  const perModel = new Map<string, { bounds: readonly number[]; counts: number[] }>();
  const modelAt = families.detectionLatency.labelNames.indexOf("model_type");
  for (const { labels, histogram } of families.detectionLatency.series()) {
    const model = labels[modelAt] as string;
    const merged = perModel.get(model) ?? {
      bounds: histogram.bounds,
      counts: new Array(histogram.counts.length).fill(0),
    };
    histogram.counts.forEach((count, i) => {
      merged.counts[i] = (merged.counts[i] as number) + count;
    });
    perModel.set(model, merged);
  }
  const requests = sumBy(families.apiKeyRequests, "key_id");
  const statusAt = families.apiKeyRequests.labelNames.indexOf("status");
  const successes = sumBy(families.apiKeyRequests, "key_id", (labels) => labels[statusAt] === "success");
  return {
    generatedAtMs: nowMs,
    ready: readiness.ready,
    readyDetail: readiness.detail,
    events: {
      consumed: counts.consumed,
      committed: sum(counts.committed.map((c) => c.count)),
      invalid: sum(counts.invalid.map((i) => i.count)),
      skipped: counts.skipped,
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
      successRate: count > 0 ? (successes.get(keyId) ?? 0) / count : null,
    })),
    invalid: counts.invalid,
    lag: counts.lag,
    live,
  };
}
