import type { Column } from "./column.js";
import type { MetricDefinition } from "./metric-definition.js";
import { type EmitContext, withNumber } from "./metric-update.js";

/**
 * The largest value seen (a newest event time): a late or replayed event
 * cannot lower it, and across partitions the values combine with `max`.
 * Starts at -Infinity so that any value, negative ones too, is larger; the
 * gauge shows nothing until an event set it.
 */
export class MaxColumn implements Column {
  readonly kind = "max";
  readonly slots = 1;
  readonly layout = "";
  readonly exemplarSlots = 0;

  init(values: Float64Array, at: number): void {
    values[at] = Number.NEGATIVE_INFINITY;
  }

  emit(metric: MetricDefinition, { at }: EmitContext): string {
    return withNumber(metric.value as string, `if (x > v[${at}]) v[${at}] = x;`);
  }

  /** The value, or `undefined` before the first event. */
  read(values: Float64Array, at: number): number | undefined {
    const value = values[at] as number;
    return value === Number.NEGATIVE_INFINITY ? undefined : value;
  }
}
