/**
 * What the decoder needs to know about a stream: the contract its events are
 * validated against, where their time is, and which fields become labels.
 * Owned here, filled in from the catalogue.
 */
export interface StreamContract {
  readonly stream: string;
  /** A JSON Schema (draft-07) of an object. */
  readonly jsonSchema: object;
  /** The field holding the event time: ISO-8601 with a zone, or epoch milliseconds. */
  readonly timeField: string;
  /** Fields whose values become label values (or exemplar ids), in the order of `StreamEvent.labels`. */
  readonly labelFields: readonly string[];
}
