import type { Column } from "./column.js";
import type { MetricDefinition } from "./metric-definition.js";
import { type EmitContext, exemplarStatement, fieldExpression, withNumber } from "./metric-update.js";

/**
 * Monotonic counts: one slot, or one per value of a label whose values are
 * fixed in advance (an enum field such as `status`, or one field per value
 * such as prompt and completion tokens). Every value starts at 0 with the
 * label set, so ratios in PromQL have both sides from the first event.
 */
export class CounterColumn implements Column {
  readonly kind = "counter";
  readonly slots: number;
  readonly layout: string;
  readonly exemplarSlots: number;

  /** @param split the extra label and its fixed values, one slot each */
  constructor(
    readonly split?: { readonly label: string; readonly values: readonly string[] },
    exemplars = false,
  ) {
    this.slots = split?.values.length ?? 1;
    this.layout = split ? `${split.label}=${split.values.join("|")}` : "";
    this.exemplarSlots = exemplars ? this.slots : 0;
  }

  static of(metric: MetricDefinition): CounterColumn {
    const split = metric.split && { label: metric.split.label, values: metric.split.values };
    return new CounterColumn(split, metric.exemplar !== undefined);
  }

  /** Adds the metric's value (1 per event without one) to the slot of the event's split value. */
  emit(metric: MetricDefinition, context: EmitContext): string {
    const at = context.at;
    const add = (slot: string, amount: string) =>
      `v[${at} + ${slot}] += ${amount}; ${exemplarStatement(metric.exemplar, context, slot, amount)}`;
    const split = metric.split;
    if (split?.fields) {
      const fields = split.fields;
      return split.values
        .map((value, i) => withNumber(fields[value] as string, add(String(i), "x")))
        .join("\n");
    }
    // Without a split the slot is 0; with one, the slot of the event's value of the enum field.
    const count = (slot: string) =>
      metric.value === undefined ? add(slot, "1") : withNumber(metric.value, add(slot, "x"));
    if (!split?.field) return count("0");
    // A switch over the values as string literals: the contract's enum, in the catalogue's order.
    const cases = split.values.map((value, i) => `case ${JSON.stringify(value)}: s = ${i}; break;`).join(" ");
    return `{ let s = -1; switch (String(${fieldExpression(split.field)})) { ${cases} } if (s >= 0) { ${count("s")} } }`;
  }
}
