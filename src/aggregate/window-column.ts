import type { Column } from "./column.js";
import type { MetricDefinition } from "./metric-definition.js";
import { type EmitContext, fieldExpression } from "./metric-update.js";

/**
 * Successes ÷ requests over a sliding window of event time, in a ring of
 * equal slots (slot ids, then successes, then totals). The state depends only
 * on the events and their order, never on when they were processed, so a
 * replay or a restore rebuilds it exactly. An event lands in the slot of its
 * time; a slot holding an older slot id is reused, an event older than the
 * slot's occupant is dropped.
 */
export class WindowColumn implements Column {
  readonly kind = "window";
  readonly slots: number;
  readonly layout: string;
  readonly exemplarSlots = 0;
  private readonly slotMs: number;

  constructor(
    readonly windowMs: number,
    private readonly ring = 60,
  ) {
    this.slots = 3 * ring;
    this.slotMs = windowMs / ring;
    this.layout = `${windowMs}/${ring}`;
  }

  init(values: Float64Array, at: number): void {
    values.fill(-1, at, at + this.ring);
  }

  record(values: Float64Array, at: number, timeMs: number, success: boolean): void {
    const slotId = Math.floor(timeMs / this.slotMs);
    const index = at + (((slotId % this.ring) + this.ring) % this.ring);
    const occupant = values[index] as number;
    if (occupant > slotId) return;
    const successes = index + this.ring;
    const totals = successes + this.ring;
    if (occupant < slotId) {
      values[index] = slotId;
      values[successes] = 0;
      values[totals] = 0;
    }
    values[totals] = (values[totals] as number) + 1;
    if (success) values[successes] = (values[successes] as number) + 1;
  }

  /**
   * Counts the event as a request, and as a success when its success field
   * equals the metric's value. An event stamped after its record was written
   * counts at the record's time.
   */
  emit(metric: MetricDefinition, context: EmitContext): string {
    const { field, equals } = metric.success as NonNullable<MetricDefinition["success"]>;
    const success = `${fieldExpression(field)} === ${context.constant(equals)}`;
    return `${context.constant(this)}.record(v, ${context.at}, Math.min(event.timeMs, timeMs), ${success});`;
  }

  /** The success ratio over the window ending at `nowMs`, or `undefined` when it saw no request. */
  ratio(values: Float64Array, at: number, nowMs: number): number | undefined {
    const oldest = Math.floor(nowMs / this.slotMs) - this.ring;
    let successes = 0;
    let totals = 0;
    for (let i = 0; i < this.ring; i++) {
      if ((values[at + i] as number) > oldest) {
        successes += values[at + this.ring + i] as number;
        totals += values[at + 2 * this.ring + i] as number;
      }
    }
    return totals === 0 ? undefined : successes / totals;
  }
}
