/**
 * Successes ÷ requests over a sliding window of event time, kept in a ring of
 * equal slots: memory is fixed per key and old slots expire by themselves.
 * Events older than the window count for nothing here (they still count in the
 * counters); events stamped in the future count as now.
 */
export class SuccessWindow {
  private readonly slotMs: number;
  private readonly slotIds: Float64Array;
  private readonly successes: Float64Array;
  private readonly totals: Float64Array;

  constructor(
    private readonly windowMs: number,
    private readonly slots = 60,
  ) {
    this.slotMs = windowMs / slots;
    this.slotIds = new Float64Array(slots).fill(-1);
    this.successes = new Float64Array(slots);
    this.totals = new Float64Array(slots);
  }

  record(eventMs: number, success: boolean, nowMs: number): void {
    if (eventMs <= nowMs - this.windowMs) return;
    const slotId = Math.floor(Math.min(eventMs, nowMs) / this.slotMs);
    const index = slotId % this.slots;
    if (this.slotIds[index] !== slotId) {
      this.slotIds[index] = slotId;
      this.successes[index] = 0;
      this.totals[index] = 0;
    }
    this.totals[index] = (this.totals[index] as number) + 1;
    if (success) this.successes[index] = (this.successes[index] as number) + 1;
  }

  /** The success ratio over the window ending at `nowMs`, or `undefined` when it saw no request. */
  rate(nowMs: number): number | undefined {
    const oldest = Math.floor(nowMs / this.slotMs) - this.slots;
    let successes = 0;
    let totals = 0;
    for (let i = 0; i < this.slots; i++) {
      if ((this.slotIds[i] as number) > oldest) {
        successes += this.successes[i] as number;
        totals += this.totals[i] as number;
      }
    }
    return totals === 0 ? undefined : successes / totals;
  }
}
