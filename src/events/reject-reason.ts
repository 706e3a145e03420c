/**
 * Why a message did not become an event. These strings are label values of
 * `aggregator_events_invalid_total{reason}` and `aggregator_events_skipped_total{reason}`:
 * dashboards and alerts depend on them.
 */
export const REJECT_REASONS = [
  "invalid_json",
  "not_an_object",
  "missing_field",
  "wrong_type",
  "out_of_range",
  "non_finite",
  "invalid_value",
  "invalid_timestamp",
  "too_large",
  "unknown_encoding",
  "registry_not_configured",
  "unknown_schema_id",
  "schema_mismatch",
  "unsupported_schema_type",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Messages that carry no event by design: counted, never dead-lettered. */
export const SKIP_REASONS = ["tombstone", "empty"] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
