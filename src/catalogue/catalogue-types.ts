/**
 * The metric catalogue as written in YAML (after structural validation):
 * which metrics each input stream feeds. Semantic checks (fields against the
 * stream's contract, names, duplicates) come after, in `load-catalogue.ts` and `check-metric.ts`.
 */
export interface CatalogueFile {
  readonly version: 1;
  /** For a catalogue given with METRICS_CONFIG: keep the shipped streams (default) or not. */
  readonly include_builtin?: boolean;
  readonly streams?: Readonly<Record<string, StreamSpec>>;
  readonly status?: StatusSpec;
}

export interface StreamSpec {
  readonly topic?: string;
  readonly contract?: { readonly "json-schema": string; readonly avro?: string };
  /** The event-time field (ISO-8601 with a zone, or epoch milliseconds). */
  readonly time?: string;
  readonly metrics?: readonly MetricSpec[];
}

export type MetricType = "counter" | "histogram" | "gauge" | "ratio";

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly unit?: string;
  /** Event fields whose values become label values, in exposition order. */
  readonly labels?: readonly string[];
  /** A numeric field, or `event_time` (the event's time in Unix seconds); absent: 1 per event. */
  readonly value?: string;
  /** Several fields of one event as one counter, each under a value of a label of its own. */
  readonly values?: { readonly label: string; readonly fields: Readonly<Record<string, string>> };
  /** Histogram upper bounds, or the name of a preset (`detection-latency`, `llm-latency`). */
  readonly buckets?: readonly number[] | string;
  /**
   * Histograms: native buckets (`true` for the defaults), beside `buckets` or
   * instead of them: a resolution as a bucket factor or a schema, a zero
   * threshold and a bucket limit per label set.
   */
  readonly native?: true | NativeSpecText;
  /** Gauges: keep the largest value seen, or the last one (in offset order). */
  readonly aggregate?: "max" | "last";
  /** Ratios: which events count as successes. */
  readonly success?: { readonly field: string; readonly equals: string | number | boolean };
  /** Ratios: the sliding window (`5m`), or the preset `success-rate` (SUCCESS_RATE_WINDOW). */
  readonly window?: string;
  /** An event field shown as the exemplar of the series (histograms and counters, OpenMetrics only). */
  readonly exemplar?: string;
  /** Label sets kept idle before they are removed (overrides SERIES_TTL for this metric's label sets). */
  readonly ttl?: string;
}

/** A histogram's native buckets as the catalogue writes them. */
export interface NativeSpecText {
  readonly bucket_factor?: number;
  readonly schema?: number;
  readonly zero_threshold?: number;
  readonly max_buckets?: number;
}

/** What the status page shows, by metric name. */
export interface StatusSpec {
  readonly entities?: {
    readonly title: string;
    readonly label: string;
    readonly count: string;
    readonly last_seen?: string;
  };
  readonly latency?: { readonly title: string; readonly metric: string; readonly by: string };
  readonly success?: {
    readonly title: string;
    readonly metric: string;
    readonly by: string;
    readonly label: string;
    readonly ok: string;
  };
  readonly errors?: {
    readonly title: string;
    readonly metric: string;
    readonly label: string;
    readonly ok: string;
  };
}
