import type { EventFamilies } from "../../aggregate/event-families.js";
import type { StatusSpec } from "../../catalogue/catalogue-types.js";
import type { StatusCounts } from "../../self-metrics/self-metrics.js";
import { histogramQuantile } from "./histogram-quantile.js";
import {
  histogramFamily,
  histogramsBy,
  type MergedHistogram,
  scalarFamily,
  sumBy,
} from "./status-readings.js";

/** Cumulative figures at one moment. */
interface Sample {
  readonly atMs: number;
  readonly committed: ReadonlyMap<string, number>;
  /** Events per entity (camera), summed over the other labels and partitions. */
  readonly entities: ReadonlyMap<string, number>;
  /** Latency bucket counts per key (model), summed over the other labels and partitions. */
  readonly latency: ReadonlyMap<string, MergedHistogram>;
  readonly calls: number;
  readonly failures: number;
}

/** The recent figures the status page shows and charts. */
export interface LiveFigures {
  /** How many seconds the figures cover (0 until two samples exist). */
  readonly windowSeconds: number;
  /** Records per second whose effect `/metrics` shows, per topic. */
  readonly eventsPerSecond: Readonly<Record<string, number>>;
  /** Events per second, per entity (camera). */
  readonly entitiesPerSecond: Readonly<Record<string, number>>;
  /** p95 of the latencies observed in the window, per key (model). */
  readonly p95Seconds: Readonly<Record<string, number | null>>;
  /** Share of the window's calls that did not succeed. */
  readonly errorRatio: number | null;
}

const WINDOW_MS = 10_000;
const KEEP_MS = 30_000;

/** Unwatched (no poll for a minute), samples are taken this far apart: still several in each window. */
const UNWATCHED_INTERVAL_MS = 5_000;
const WATCHED_FOR_MS = 60_000;

/**
 * Samples the cumulative figures every `intervalMs` while the status page is
 * polled (every {@link UNWATCHED_INTERVAL_MS} when it is not: a sample reads
 * every series, a tenth of a second at a million) and keeps the last 30 s,
 * so the status page gets rates, a recent p95 and a recent error ratio from
 * its very first poll instead of waiting for a second one.
 */
export class StatusTrend {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polledAtMs = Number.NEGATIVE_INFINITY;
  /** `published()` when the newest sample read the series. */
  private readAt: number | undefined;

  /**
   * @param published counts the publishes of state (commits): while it stays
   *   the same the series are the same, and a sample does not read them again.
   */
  constructor(
    private readonly spec: StatusSpec | undefined,
    private readonly families: EventFamilies,
    private readonly counts: () => Promise<StatusCounts>,
    private readonly published: () => number,
    private readonly intervalMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    void this.sample();
    this.timer = setInterval(() => {
      const now = this.now();
      const newest = this.samples.at(-1)?.atMs ?? Number.NEGATIVE_INFINITY;
      if (now - this.polledAtMs < WATCHED_FOR_MS || now - newest >= UNWATCHED_INTERVAL_MS) void this.sample();
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Takes one sample (the timer calls it; tests may too). */
  async sample(): Promise<void> {
    const { committed } = await this.counts();
    const atMs = this.now();
    const published = this.published();
    const newest = this.samples.at(-1);
    const series = newest !== undefined && published === this.readAt ? newest : await this.readSeries();
    this.readAt = published;
    this.samples.push({
      atMs,
      committed: new Map(committed.map((c) => [c.topic, c.count])),
      entities: series.entities,
      latency: series.latency,
      calls: series.calls,
      failures: series.failures,
    });
    while (this.samples.length > 2 && (this.samples[0] as Sample).atMs < atMs - KEEP_MS) this.samples.shift();
  }

  /** What a sample reads from the series. */
  private async readSeries(): Promise<Omit<Sample, "atMs" | "committed">> {
    const { entities, latency, errors } = this.spec ?? {};
    const families = this.families;
    const calls = errors ? await sumBy(scalarFamily(families, errors.metric), undefined) : new Map();
    const ok = errors
      ? await sumBy(
          scalarFamily(families, errors.metric),
          undefined,
          (labelOf) => labelOf(errors.label) === errors.ok,
        )
      : new Map();
    return {
      entities: entities ? await sumBy(scalarFamily(families, entities.count), entities.label) : new Map(),
      latency: latency
        ? await histogramsBy(histogramFamily(families, latency.metric), latency.by)
        : new Map(),
      calls: calls.get("") ?? 0,
      failures: (calls.get("") ?? 0) - (ok.get("") ?? 0),
    };
  }

  /**
   * The figures over the last ~10 s, from the oldest sample in that window to
   * a sample taken now (unless the newest is under a second old).
   */
  async current(): Promise<LiveFigures> {
    this.polledAtMs = this.now();
    const newest = this.samples.at(-1);
    if (newest === undefined || this.now() - newest.atMs >= 1_000) await this.sample();
    return this.figures();
  }

  private figures(): LiveFigures {
    const last = this.samples.at(-1);
    const first = last && (this.samples.find((s) => s.atMs >= last.atMs - WINDOW_MS) ?? last);
    const seconds = last && first ? (last.atMs - first.atMs) / 1000 : 0;
    if (!last || !first || seconds <= 0) {
      return {
        windowSeconds: 0,
        eventsPerSecond: {},
        entitiesPerSecond: {},
        p95Seconds: {},
        errorRatio: null,
      };
    }
    const perSecond = (now: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>) =>
      Object.fromEntries(
        [...now].map(([key, count]) => [key, Math.max(0, count - (before.get(key) ?? 0)) / seconds]),
      );
    const eventsPerSecond = perSecond(last.committed, first.committed);
    const entitiesPerSecond = perSecond(last.entities, first.entities);
    const p95Seconds: Record<string, number | null> = {};
    for (const [model, { bounds, counts }] of last.latency) {
      // By bound, not by position: native buckets come and go between samples.
      const earlier = first.latency.get(model);
      const before = new Map(earlier?.bounds.map((bound, i) => [bound, earlier.counts[i] as number]));
      const inf = earlier?.counts[earlier.bounds.length] ?? 0;
      const window = counts.map((count, i) =>
        Math.max(0, count - (i < bounds.length ? (before.get(bounds[i] as number) ?? 0) : inf)),
      );
      p95Seconds[model] = histogramQuantile(0.95, bounds, window) ?? null;
    }
    const calls = last.calls - first.calls;
    return {
      windowSeconds: seconds,
      eventsPerSecond,
      entitiesPerSecond,
      p95Seconds,
      errorRatio: calls > 0 ? (last.failures - first.failures) / calls : null,
    };
  }
}
