/**
 * The latest event that landed in a series (or a histogram bucket), kept so
 * a scraper can jump from a number to the trace behind it. In memory only:
 * exemplars are a pointer, not state, and start empty after a restart.
 */
export interface Exemplar {
  /** The value of the exemplar field (a trace id), already safe as a label value. */
  readonly id: string;
  /** What the event added: the observed value, or a counter's increment. */
  readonly value: number;
  /** The event's time, epoch milliseconds. */
  readonly timeMs: number;
}
