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
 * is down (killed, frozen) is skipped.
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
  ) {
    this.loop = (async () => {
      while (this.running) {
        await Promise.all(this.urls().map((url) => this.scrape(url)));
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
  }

  async stop(): Promise<WatchReport> {
    this.running = false;
    await this.loop;
    return { scrapes: this.scrapes, series: this.highest.size, decreases: this.decreases };
  }

  private async scrape(url: string): Promise<void> {
    let body: string;
    try {
      const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) });
      if (!response.ok) return;
      body = await response.text();
    } catch {
      return;
    }
    this.scrapes++;
    for (const [series, value] of parseSamples(body)) {
      if (!MONOTONE.test(series)) continue;
      const seen = this.highest.get(series);
      if (seen !== undefined && value < seen.value) {
        this.decreases.push({ series, from: seen.value, to: value, fromUrl: seen.url, toUrl: url });
      }
      if (seen === undefined || value > seen.value) this.highest.set(series, { value, url });
    }
  }
}
