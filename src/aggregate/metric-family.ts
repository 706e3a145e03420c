import type { Exemplar } from "./exemplar.js";

/**
 * The read side of aggregation state, as exposition sees it: families of
 * series, iterated at scrape time without copying the state.
 */
export type MetricType = "counter" | "gauge" | "histogram";

/** Cumulative-ready histogram values: `counts[i]` observations fell in bucket i (the last is +Inf). */
export interface HistogramReading {
  readonly bounds: readonly number[];
  readonly counts: Float64Array;
  readonly sum: number;
  readonly count: number;
  /** The latest exemplar per bucket, when the metric keeps exemplars. */
  readonly exemplars?: readonly (Exemplar | undefined)[];
}

/** One counter or gauge series. */
export interface ScalarSeries {
  readonly labels: readonly string[];
  readonly value: number;
  readonly exemplar?: Exemplar | undefined;
}

/** One histogram series. */
export interface HistogramSeries {
  readonly labels: readonly string[];
  readonly histogram: HistogramReading;
}

interface FamilyBase {
  /** Exposition name; counters carry their `_total` suffix. */
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** The label name exemplars carry their id under (OpenMetrics); absent: no exemplars. */
  readonly exemplarLabel?: string | undefined;
}

/** A counter or gauge family. */
export interface ScalarFamily extends FamilyBase {
  readonly type: "counter" | "gauge";
  series(): Iterable<ScalarSeries>;
}

/** A histogram family. */
export interface HistogramFamily extends FamilyBase {
  readonly type: "histogram";
  series(): Iterable<HistogramSeries>;
}

/** Any family the aggregator exposes. */
export type MetricFamily = ScalarFamily | HistogramFamily;
