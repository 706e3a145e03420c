import type { Exemplar } from "./exemplar.js";
import type { NativeReading } from "./native-histogram.js";
import type { SeriesEntry } from "./series-table.js";

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
  /** The native buckets, when the histogram has them (only the protobuf exposition carries them). */
  readonly native?: NativeReading | undefined;
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

/** One shown partition's share of a family. */
export interface FamilyPart {
  /** The partition's table: the same object while the partition is shown, so caches key on it. */
  readonly source: object;
  /** Changes whenever the part shows something else (a publish); read it again to see whether it did. */
  readonly version: number;
  /** The shown entries, the overflow entry last. */
  readonly entries: Iterable<SeriesEntry>;
  /**
   * The entries whose shown state publishes after `version` replaced, when
   * that is all that happened since (no entry came or went, and the part
   * still remembers); otherwise undefined, and the reader reads `entries`.
   */
  changedSince(version: number): readonly SeriesEntry[] | undefined;
}

/**
 * A family's series by partition and by entry, for readers that keep what
 * they made of an entry until it changes: an entry's `shown` state is
 * replaced, never changed, when a publish changes it.
 */
export interface ByEntry<S> {
  parts(): Iterable<FamilyPart>;
  seriesOf(entry: SeriesEntry): Iterable<S>;
}

/** A counter or gauge family. */
export interface ScalarFamily extends FamilyBase {
  readonly type: "counter" | "gauge";
  series(): Iterable<ScalarSeries>;
  /** Absent when the values change with time alone (a ratio over a window ending now). */
  readonly byEntry?: ByEntry<ScalarSeries>;
}

/** A histogram family. */
export interface HistogramFamily extends FamilyBase {
  readonly type: "histogram";
  series(): Iterable<HistogramSeries>;
  readonly byEntry?: ByEntry<HistogramSeries>;
}

/** Any family the aggregator exposes. */
export type MetricFamily = ScalarFamily | HistogramFamily;
