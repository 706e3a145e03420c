import type { Column } from "./column.js";
import type { MetricDefinition } from "./metric-definition.js";
import type { HistogramReading } from "./metric-family.js";
import { type EmitContext, exemplarStatement, withNumber } from "./metric-update.js";

/**
 * A fixed-bucket histogram: one slot per bucket (the last is +Inf), then the
 * sum and the count. `observe` is a short scan and three additions, no
 * allocation (the hot path runs it once per event).
 */
export class HistogramColumn implements Column {
  readonly kind = "histogram";
  readonly slots: number;
  readonly layout: string;
  readonly exemplarSlots: number;

  /** @param bounds upper bounds, ascending and finite; +Inf is implied */
  constructor(
    readonly bounds: readonly number[],
    exemplars = false,
  ) {
    this.slots = bounds.length + 3;
    this.layout = bounds.join(",");
    this.exemplarSlots = exemplars ? bounds.length + 1 : 0;
  }

  static of(metric: MetricDefinition): HistogramColumn {
    return new HistogramColumn(metric.buckets ?? [], metric.exemplar !== undefined);
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
    };
  }
}
