import type { Column } from "./column.js";

/**
 * The largest value seen (a newest event time): a late or replayed event
 * cannot lower it, and across partitions the values combine with `max`.
 */
export class MaxColumn implements Column {
  readonly kind = "max";
  readonly slots = 1;
  readonly layout = "";

  raise(values: Float64Array, at: number, value: number): void {
    if (value > (values[at] as number)) values[at] = value;
  }
}
