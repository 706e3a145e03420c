import type { Column } from "./column.js";
import type { HistogramReading } from "./metric-family.js";

/**
 * A fixed-bucket histogram: one slot per bucket (the last is +Inf), then the
 * sum and the count. `observe` is a short scan and three additions, no
 * allocation (the hot path runs it once per event).
 */
export class HistogramColumn implements Column {
  readonly kind = "histogram";
  readonly slots: number;
  readonly layout: string;

  /** @param bounds upper bounds, ascending and finite; +Inf is implied */
  constructor(readonly bounds: readonly number[]) {
    this.slots = bounds.length + 3;
    this.layout = bounds.join(",");
  }

  observe(values: Float64Array, at: number, value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    const buckets = bounds.length + 1;
    values[at + i] = (values[at + i] as number) + 1;
    values[at + buckets] = (values[at + buckets] as number) + value;
    values[at + buckets + 1] = (values[at + buckets + 1] as number) + 1;
  }

  /** The histogram as exposition reads it, over the given state without copying. */
  reading(values: Float64Array, at: number): HistogramReading {
    const buckets = this.bounds.length + 1;
    return {
      bounds: this.bounds,
      counts: values.subarray(at, at + buckets),
      sum: values[at + buckets] as number,
      count: values[at + buckets + 1] as number,
    };
  }
}
