import { type DecodeResult, rejected } from "./decode-result.js";
import type { StreamContract } from "./stream-contract.js";
import { toStreamEvent } from "./to-stream-event.js";
import type { EventValidator } from "./validate-event.js";

/**
 * Validates a value parsed from JSON (or decoded from Avro / JSON Schema
 * framing) against its stream's contract and makes it a stream event. Every
 * encoding ends here, so one event yields the same metric updates whatever
 * its encoding.
 */
export function decodeEventValue(
  validate: EventValidator,
  contract: StreamContract,
  value: unknown,
  maxLabelLength: number,
): DecodeResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return rejected(
      "not_an_object",
      `expected a JSON object, got ${Array.isArray(value) ? "an array" : typeof value}`,
    );
  }
  const violation = validate(value);
  if (violation) return rejected(violation.reason, violation.detail);
  return toStreamEvent(contract, value as Record<string, unknown>, maxLabelLength);
}

/** Parses UTF-8 JSON text and decodes it; invalid JSON is a reject, never a throw. */
export function decodeJsonEvent(
  validate: EventValidator,
  contract: StreamContract,
  text: string,
  maxLabelLength: number,
): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return rejected("invalid_json", (error as Error).message);
  }
  return decodeEventValue(validate, contract, value, maxLabelLength);
}
