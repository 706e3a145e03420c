import type { HistogramReading } from "./metric-family.js";

/**
 * A fixed-bucket histogram in a typed array: `observe` is a short scan and
 * two additions, no allocation (the hot path runs it once per event).
 */
export class Histogram implements HistogramReading {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  /** @param bounds upper bounds, ascending and finite; +Inf is implied */
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    (this.counts as Float64Array)[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}
