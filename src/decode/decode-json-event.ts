import type { EventKind } from "../events/domain-event.js";
import { type DecodeResult, rejected } from "./decode-result.js";
import { timestampMs, toDomainEvent } from "./to-domain-event.js";
import type { EventValidator } from "./validate-event.js";

/**
 * Validates a value parsed from JSON (or decoded from Avro / JSON Schema
 * framing) and maps it to a domain event. Every encoding ends here, so one
 * event yields the same metric updates whatever its encoding.
 */
export function decodeEventValue(
  validate: EventValidator,
  kind: EventKind,
  value: unknown,
  maxLabelLength: number,
): DecodeResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return rejected(
      "not_an_object",
      `expected a JSON object, got ${Array.isArray(value) ? "an array" : typeof value}`,
    );
  }
  const violation = validate(kind, value);
  if (violation) return rejected(violation.reason, violation.detail);
  const wire = value as { timestamp: string | number };
  const timeMs = timestampMs(wire.timestamp);
  if (!Number.isFinite(timeMs))
    return rejected("invalid_timestamp", `/timestamp is not a real date: ${String(wire.timestamp)}`);
  return { status: "ok", event: toDomainEvent(kind, value, timeMs, maxLabelLength) };
}

/** Parses UTF-8 JSON text and decodes it; invalid JSON is a reject, never a throw. */
export function decodeJsonEvent(
  validate: EventValidator,
  kind: EventKind,
  text: string,
  maxLabelLength: number,
): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return rejected("invalid_json", (error as Error).message);
  }
  return decodeEventValue(validate, kind, value, maxLabelLength);
}
