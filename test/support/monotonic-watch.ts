import { parseSamples } from "./scrape.js";

/** Event families whose every sample may only grow (counters, histogram parts, newest-event-time gauges). */
const MONOTONE =
  /^(detection_total|detection_objects_total|detection_groups_total|detection_latency_seconds_(bucket|sum|count)|camera_last_event_timestamp_seconds|llm_requests_total|llm_latency_seconds_(bucket|sum|count)|llm_tokens_total|api_key_requests_total|aggregator_series_overflow_total)\{/;

/** A value that went down between two scrapes, whichever replicas served them. */
export interface Decrease {
  readonly series: string;
  readonly from: number;
  readonly to: number;
  readonly fromUrl: string;
  readonly toUrl: string;
}

/** What the watch saw. */
export interface WatchReport {
  readonly scrapes: number;
  readonly series: number;
  readonly decreases: readonly Decrease[];
}

/**
 * Scrapes every replica on an interval and checks, per series (partition and
 * labels, whichever replica serves it), that no value is ever lower than one
 * seen before: what Prometheus would read as a counter reset. A replica that
 * is down (killed, frozen) is skipped. With `forgetAbsent`, a series no
 * replica shows in a round of scrapes has ended (as Prometheus marks it
 * stale): if it comes back, it is a new series (`SERIES_TTL` removes label
 * sets, and they start again at 0).
 */
export class MonotonicWatch {
  private readonly highest = new Map<string, { value: number; url: string }>();
  private readonly decreases: Decrease[] = [];
  private scrapes = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly urls: () => readonly string[],
    intervalMs = 200,
    { forgetAbsent = false } = {},
  ) {
    this.loop = (async () => {
      while (this.running) {
        const seen = new Set<string>();
        const answered = await Promise.all(this.urls().map((url) => this.scrape(url, seen)));
        if (forgetAbsent && answered.every(Boolean)) {
          for (const series of this.highest.keys()) if (!seen.has(series)) this.highest.delete(series);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
  }

  async stop(): Promise<WatchReport> {
    this.running = false;
    await this.loop;
    return { scrapes: this.scrapes, series: this.highest.size, decreases: this.decreases };
  }

  /** One replica's scrape, the series it showed added to `seen`; false when it did not answer. */
  private async scrape(url: string, shown: Set<string>): Promise<boolean> {
    let body: string;
    try {
      const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) });
      if (!response.ok) return false;
      body = await response.text();
    } catch {
      return false;
    }
    this.scrapes++;
    for (const [series, value] of parseSamples(body)) {
      if (!MONOTONE.test(series)) continue;
      shown.add(series);
      const seen = this.highest.get(series);
      if (seen !== undefined && value < seen.value) {
        this.decreases.push({ series, from: seen.value, to: value, fromUrl: seen.url, toUrl: url });
      }
      if (seen === undefined || value > seen.value) this.highest.set(series, { value, url });
    }
    return true;
  }
}
