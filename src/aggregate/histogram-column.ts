import type { Column } from "./column.js";
import type { MetricDefinition } from "./metric-definition.js";
import type { HistogramReading } from "./metric-family.js";
import { type EmitContext, exemplarStatement, withNumber } from "./metric-update.js";
import { bucketIndex, bucketUpperBound } from "./native-buckets.js";
import { NativeHistogram, type NativeSpec } from "./native-histogram.js";

/**
 * A histogram: one slot per classic bucket (the last is +Inf), the sum and
 * the count, then the native buckets when it has them (see
 * `native-histogram.ts`). A native-only histogram has no classic bounds: its
 * classic part is the +Inf bucket alone, which is what the text formats show
 * of it. `observe` is a short scan and a few additions, no allocation (the
 * hot path runs it once per event).
 */
export class HistogramColumn implements Column {
  readonly kind = "histogram";
  readonly slots: number;
  readonly layout: string;
  readonly exemplarSlots: number;

  readonly native: NativeHistogram | undefined;
  /** Where the native part starts, after the classic one. */
  private readonly nativeAt: number;

  /** @param bounds upper bounds, ascending and finite; +Inf is implied */
  constructor(
    readonly bounds: readonly number[],
    exemplars = false,
    native?: NativeSpec,
  ) {
    this.native = native && new NativeHistogram(native);
    this.nativeAt = bounds.length + 3;
    this.slots = this.nativeAt + (this.native?.slots ?? 0);
    // A classic histogram's layout is its bounds, as before native buckets existed: its state reads back.
    this.layout = this.native ? `${bounds.join(",")}|${this.native.layout}` : bounds.join(",");
    this.exemplarSlots = exemplars ? bounds.length + 1 : 0;
  }

  static of(metric: MetricDefinition): HistogramColumn {
    return new HistogramColumn(metric.buckets ?? [], metric.exemplar !== undefined, metric.native);
  }

  init(values: Float64Array, at: number): void {
    this.native?.init(values, at + this.nativeAt);
  }

  /**
   * State this column kept as a classic histogram with the same bounds, now
   * with native buckets: the classic part as it was (no reset), and each
   * earlier observation in the native bucket of its classic bucket's upper
   * bound (above the last bound: the bucket after it). Counts and sums stay
   * exact; the buckets of observations made before the change are as
   * precise as the classic ones were, and a `rate()` over a window after it
   * sees only native observations.
   */
  migrate(kind: string, layout: string, from: Float64Array, to: Float64Array, at: number): boolean {
    const native = this.native;
    if (kind !== "histogram" || native === undefined || layout !== this.bounds.join(",")) return false;
    if (from.length !== this.nativeAt || this.bounds.length === 0) return false;
    to.set(from, at);
    const schema = native.spec.schema;
    const classic = this.bounds.length + 1;
    for (let i = 0; i < classic; i++) {
      const count = from[i] as number;
      if (count === 0) continue;
      const last = this.bounds[this.bounds.length - 1] as number;
      // The +Inf bucket's observations: the native bucket right above the last bound's.
      const value =
        i < this.bounds.length
          ? (this.bounds[i] as number)
          : bucketUpperBound(bucketIndex(last, schema) + 1, schema);
      if (value <= native.spec.zeroThreshold) native.addZero(to, at + this.nativeAt, count);
      else native.add(to, at + this.nativeAt, value, count);
    }
    return true;
  }

  /** Counts `value` in its bucket; returns the bucket's index. */
  observe(values: Float64Array, at: number, value: number): number {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    const buckets = bounds.length + 1;
    values[at + i] = (values[at + i] as number) + 1;
    values[at + buckets] = (values[at + buckets] as number) + value;
    values[at + buckets + 1] = (values[at + buckets + 1] as number) + 1;
    this.native?.observe(values, at + this.nativeAt, value);
    return i;
  }

  /** Observes the metric's value field; the exemplar goes to the bucket it landed in. */
  emit(metric: MetricDefinition, context: EmitContext): string {
    const self = context.constant(this);
    const exemplar = exemplarStatement(metric.exemplar, context, "b", "x");
    return withNumber(
      metric.value as string,
      exemplar === ""
        ? `${self}.observe(v, ${context.at}, x);`
        : `const b = ${self}.observe(v, ${context.at}, x); ${exemplar}`,
    );
  }

  /** The histogram as exposition reads it, over the given state without copying. */
  reading(values: Float64Array, at: number): HistogramReading {
    const buckets = this.bounds.length + 1;
    return {
      bounds: this.bounds,
      counts: values.subarray(at, at + buckets),
      sum: values[at + buckets] as number,
      count: values[at + buckets + 1] as number,
      native: this.native?.reading(values, at + this.nativeAt),
    };
  }
}
