import type { EventFamilies } from "../../aggregate/event-families.js";
import type { StatusSpec } from "../../catalogue/catalogue-types.js";
import type { StatusCounts } from "../../self-metrics/self-metrics.js";
import type { ComponentStatus } from "../../util/component-status.js";
import { histogramQuantile } from "./histogram-quantile.js";
import { histogramFamily, histogramsBy, maxBy, scalarFamily, sumBy } from "./status-readings.js";
import type { LiveFigures } from "./status-trend.js";

/** What the status page shows, computed at request time from the same state `/metrics` renders. */
export interface StatusSnapshot {
  readonly generatedAtMs: number;
  readonly ready: boolean;
  readonly readyDetail: string;
  readonly events: {
    readonly consumed: number;
    /** Records whose effect `/metrics` shows: events counted, rejected and skipped. */
    readonly committed: number;
    /** Valid events among them: what the metrics count. */
    readonly counted: number;
    readonly invalid: number;
    readonly skipped: number;
  };
  /** The sections the catalogue's `status` names; absent when it names none. */
  readonly entities?: {
    readonly title: string;
    readonly label: string;
    readonly rows: readonly { id: string; count: number; lastSeenSeconds: number | null }[];
  };
  readonly latency?: {
    readonly title: string;
    readonly by: string;
    readonly rows: readonly { key: string; count: number; p95Seconds: number | null }[];
  };
  readonly success?: {
    readonly title: string;
    readonly by: string;
    readonly rows: readonly { key: string; requests: number; successRate: number | null }[];
  };
  /** Calls and failed calls since the state began (every partition shown), besides the recent ratio. */
  readonly errors?: { readonly title: string; readonly calls: number; readonly failures: number };
  readonly invalid: readonly { topic: string; reason: string; count: number }[];
  readonly lag: readonly { topic: string; partition: string; lag: number }[];
  /** Rates and recent figures over the last seconds, for the tiles and the charts. */
  readonly live: LiveFigures;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/**
 * Summarises the event families and self metrics for people, as the
 * catalogue's `status` section says: per entity (camera), per latency key
 * (p95 over all its series and partitions), per success key, plus rejects
 * and lag. Finds families by the names the catalogue gives, labels by name.
 */
export async function statusSnapshot(
  spec: StatusSpec | undefined,
  families: EventFamilies,
  counts: StatusCounts,
  live: LiveFigures,
  readiness: ComponentStatus,
  nowMs: number,
): Promise<StatusSnapshot> {
  const { entities, latency, success, errors } = spec ?? {};
  let entitySection: StatusSnapshot["entities"];
  if (entities) {
    const totals = await sumBy(scalarFamily(families, entities.count), entities.label);
    const lastSeen = entities.last_seen
      ? await maxBy(scalarFamily(families, entities.last_seen), entities.label)
      : new Map();
    entitySection = {
      title: entities.title,
      label: entities.label,
      rows: [...totals].map(([id, count]) => ({ id, count, lastSeenSeconds: lastSeen.get(id) ?? null })),
    };
  }
  let latencySection: StatusSnapshot["latency"];
  if (latency) {
    const merged = await histogramsBy(histogramFamily(families, latency.metric), latency.by);
    latencySection = {
      title: latency.title,
      by: latency.by,
      rows: [...merged].map(([key, h]) => ({
        key,
        count: sum(h.counts),
        p95Seconds: histogramQuantile(0.95, h.bounds, h.counts) ?? null,
      })),
    };
  }
  let successSection: StatusSnapshot["success"];
  if (success) {
    const family = scalarFamily(families, success.metric);
    const requests = await sumBy(family, success.by);
    const ok = await sumBy(family, success.by, (labelOf) => labelOf(success.label) === success.ok);
    successSection = {
      title: success.title,
      by: success.by,
      rows: [...requests].map(([key, count]) => ({
        key,
        requests: count,
        successRate: count > 0 ? (ok.get(key) ?? 0) / count : null,
      })),
    };
  }
  let errorSection: StatusSnapshot["errors"];
  if (errors) {
    const family = scalarFamily(families, errors.metric);
    const calls = (await sumBy(family, undefined)).get("") ?? 0;
    const ok =
      (await sumBy(family, undefined, (labelOf) => labelOf(errors.label) === errors.ok)).get("") ?? 0;
    errorSection = { title: errors.title, calls, failures: calls - ok };
  }
  const committed = sum(counts.committed.map((c) => c.count));
  const invalid = sum(counts.invalid.map((i) => i.count));
  return {
    generatedAtMs: nowMs,
    ready: readiness.ready,
    readyDetail: readiness.detail,
    events: {
      consumed: counts.consumed,
      committed,
      counted: Math.max(0, committed - invalid - counts.skipped),
      invalid,
      skipped: counts.skipped,
    },
    ...(entitySection ? { entities: entitySection } : {}),
    ...(latencySection ? { latency: latencySection } : {}),
    ...(successSection ? { success: successSection } : {}),
    ...(errorSection ? { errors: errorSection } : {}),
    invalid: counts.invalid,
    lag: counts.lag,
    live,
  };
}
