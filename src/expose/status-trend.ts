import type { EventFamilies } from "../aggregate/event-families.js";
import type { StatusCounts } from "../self-metrics/self-metrics.js";
import { histogramQuantile } from "./histogram-quantile.js";

/** Cumulative figures at one moment. */
interface Sample {
  readonly atMs: number;
  readonly committed: ReadonlyMap<string, number>;
  /** Frames per camera, summed over models and partitions. */
  readonly frames: ReadonlyMap<string, number>;
  /** Detection latency bucket counts per model, summed over cameras and partitions. */
  readonly latency: ReadonlyMap<
    string,
    { readonly bounds: readonly number[]; readonly counts: readonly number[] }
  >;
  readonly llmCalls: number;
  readonly llmFailures: number;
}

/** The recent figures the status page shows and charts. */
export interface LiveFigures {
  /** How many seconds the figures cover (0 until two samples exist). */
  readonly windowSeconds: number;
  /** Records per second whose effect `/metrics` shows, per topic. */
  readonly eventsPerSecond: Readonly<Record<string, number>>;
  /** Frames per second, per camera. */
  readonly framesPerSecond: Readonly<Record<string, number>>;
  /** p95 of the detection latencies observed in the window, per model. */
  readonly p95Seconds: Readonly<Record<string, number | null>>;
  /** Share of the window's LLM calls that did not succeed. */
  readonly llmErrorRatio: number | null;
}

const WINDOW_MS = 10_000;
const KEEP_MS = 30_000;

/**
 * Samples the cumulative figures every `intervalMs` and keeps the last 30 s,
 * so the status page gets rates, a recent p95 and a recent error ratio from
 * its very first poll instead of waiting for a second one.
 */
export class StatusTrend {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly families: EventFamilies,
    private readonly counts: () => Promise<StatusCounts>,
    private readonly intervalMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Takes one sample (the timer calls it; tests may too). */
  async sample(): Promise<void> {
    const { committed } = await this.counts();
    const frames = new Map<string, number>();
    const cameraAt = this.families.detectionTotal.labelNames.indexOf("camera_id");
    for (const { labels, value } of this.families.detectionTotal.series()) {
      const camera = labels[cameraAt] as string;
      frames.set(camera, (frames.get(camera) ?? 0) + value);
    }
    const latency = new Map<string, { bounds: readonly number[]; counts: number[] }>();
    const modelAt = this.families.detectionLatency.labelNames.indexOf("model_type");
    for (const { labels, histogram } of this.families.detectionLatency.series()) {
      const model = labels[modelAt] as string;
      const merged = latency.get(model) ?? {
        bounds: histogram.bounds,
        counts: new Array(histogram.counts.length).fill(0),
      };
      histogram.counts.forEach((count, i) => {
        merged.counts[i] = (merged.counts[i] as number) + count;
      });
      latency.set(model, merged);
    }
    let llmCalls = 0;
    let llmFailures = 0;
    const statusAt = this.families.llmRequests.labelNames.indexOf("status");
    for (const { labels, value } of this.families.llmRequests.series()) {
      llmCalls += value;
      if (labels[statusAt] !== "success") llmFailures += value;
    }
    const atMs = this.now();
    this.samples.push({
      atMs,
      committed: new Map(committed.map((c) => [c.topic, c.count])),
      frames,
      latency,
      llmCalls,
      llmFailures,
    });
    while (this.samples.length > 2 && (this.samples[0] as Sample).atMs < atMs - KEEP_MS) this.samples.shift();
  }

  /**
   * The figures over the last ~10 s, from the oldest sample in that window to
   * a sample taken now (unless the newest is under a second old).
   */
  async current(): Promise<LiveFigures> {
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
        framesPerSecond: {},
        p95Seconds: {},
        llmErrorRatio: null,
      };
    }
    const perSecond = (now: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>) =>
      Object.fromEntries(
        [...now].map(([key, count]) => [key, Math.max(0, count - (before.get(key) ?? 0)) / seconds]),
      );
    const eventsPerSecond = perSecond(last.committed, first.committed);
    const framesPerSecond = perSecond(last.frames, first.frames);
    const p95Seconds: Record<string, number | null> = {};
    for (const [model, { bounds, counts }] of last.latency) {
      const before = first.latency.get(model)?.counts;
      const window = counts.map((count, i) => Math.max(0, count - (before?.[i] ?? 0)));
      p95Seconds[model] = histogramQuantile(0.95, bounds, window) ?? null;
    }
    const calls = last.llmCalls - first.llmCalls;
    return {
      windowSeconds: seconds,
      eventsPerSecond,
      framesPerSecond,
      p95Seconds,
      llmErrorRatio: calls > 0 ? (last.llmFailures - first.llmFailures) / calls : null,
    };
  }
}
