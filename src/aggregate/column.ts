/**
 * How one kind of series keeps its state: a fixed run of float64 slots in an
 * entry's `Float64Array`. Every entry of a table has the same layout, so the
 * state of a label set is one typed array: cheap to update, to copy at a
 * commit and to write to the changelog as it is.
 */
export interface Column {
  readonly kind: "counter" | "histogram" | "max" | "last" | "window";
  /** Float64 slots the column takes. */
  readonly slots: number;
  /** What gives the slots their meaning (buckets, window): part of the table's fingerprint. */
  readonly layout: string;
  /** Exemplars the column keeps per entry (one per bucket, one per counter slot), 0 without. */
  readonly exemplarSlots: number;
  /** Writes the state of a new entry at `at`; slots start at 0 otherwise. */
  init?(values: Float64Array, at: number): void;
  /**
   * Carries over the state a column of the same name kept in another layout
   * (`from`: its slots) into `to` at `at`, when it can without a reset;
   * false: the column starts at zero.
   */
  migrate?(kind: string, layout: string, from: Float64Array, to: Float64Array, at: number): boolean;
}
