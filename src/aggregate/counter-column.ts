import type { Column } from "./column.js";

/**
 * Monotonic counts: one slot, or one per value of a label whose values are
 * fixed in advance (`status`, `kind`). Every value starts at 0 with the
 * label set, so ratios in PromQL have both sides from the first event.
 */
export class CounterColumn implements Column {
  readonly kind = "counter";
  readonly slots: number;
  readonly layout: string;

  /** @param split the extra label and its fixed values, one slot each */
  constructor(readonly split?: { readonly label: string; readonly values: readonly string[] }) {
    this.slots = split?.values.length ?? 1;
    this.layout = split ? `${split.label}=${split.values.join("|")}` : "";
  }
}
