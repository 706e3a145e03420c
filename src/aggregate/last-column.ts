import type { Column } from "./column.js";
import type { MetricDefinition } from "./metric-definition.js";
import { type EmitContext, withNumber } from "./metric-update.js";

/**
 * The value of the latest event (in offset order, so a replay or a restore
 * gives the same value), and whether any event set it.
 */
export class LastColumn implements Column {
  readonly kind = "last";
  readonly slots = 2;
  readonly layout = "";
  readonly exemplarSlots = 0;

  emit(metric: MetricDefinition, { at }: EmitContext): string {
    return withNumber(metric.value as string, `v[${at}] = x; v[${at} + 1] = 1;`);
  }

  /** The value, or `undefined` before the first event. */
  read(values: Float64Array, at: number): number | undefined {
    return values[at + 1] === 1 ? (values[at] as number) : undefined;
  }
}
