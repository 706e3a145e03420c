/**
 * One event that passed its stream's contract, whatever its wire encoding:
 * what the aggregation consumes. The decoder fills it; the catalogue decides
 * which fields are labels.
 */
export interface StreamEvent {
  /** The event as the contract validated it; only fields the catalogue names are read. */
  readonly fields: Readonly<Record<string, unknown>>;
  /**
   * The values of the stream's label fields (in the order the stream's
   * contract lists them), made safe to export: cut, cleaned, secrets hashed.
   */
  readonly labels: readonly string[];
  /** Event time in epoch milliseconds, from the stream's time field. */
  readonly timeMs: number;
}
