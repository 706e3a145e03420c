import { readConfluentFrame } from "./confluent-frame.js";
import { decodeEventValue } from "./decode-json-event.js";
import { type DecodeResult, rejected } from "./decode-result.js";
import type { SchemaLookup } from "./schema-lookup.js";
import type { StreamContract } from "./stream-contract.js";
import type { EventValidator } from "./validate-event.js";

/**
 * Avro has no absent fields: an optional field the producer left out arrives
 * as `null`. Dropping top-level nulls makes an Avro record the same value a
 * JSON producer would have sent, so both meet the one validator.
 */
function withoutNullFields(record: object): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (value !== null) plain[key] = value;
  return plain;
}

/**
 * Decodes a Confluent-framed message (magic byte 0, schema id, body) with
 * the schema its id names, then validates it like plain JSON.
 */
export function decodeFramedEvent(
  schemas: SchemaLookup,
  validate: EventValidator,
  contract: StreamContract,
  payload: Buffer,
  maxLabelLength: number,
): DecodeResult {
  const frame = readConfluentFrame(payload);
  if (frame === undefined) {
    return rejected("unknown_encoding", `${payload.length}-byte message too short for the Confluent framing`);
  }
  const entry = schemas.entry(frame.schemaId);
  if (entry.state === "unknown") return { status: "needs_schema", schemaId: frame.schemaId };
  if (entry.state === "missing") return rejected("unknown_schema_id", entry.detail);
  const { schema } = entry;
  if (schema.format === "PROTOBUF") {
    return rejected(
      "unsupported_schema_type",
      `schema ${frame.schemaId} is Protobuf; Avro and JSON Schema are read`,
    );
  }
  let value: unknown;
  try {
    value = schema.decode(frame.body);
  } catch (error) {
    return rejected(
      "schema_mismatch",
      `payload does not match ${schema.format} schema ${frame.schemaId}: ${(error as Error).message}`,
    );
  }
  if (schema.format === "AVRO" && typeof value === "object" && value !== null) {
    value = withoutNullFields(value);
  }
  return decodeEventValue(validate, contract, value, maxLabelLength);
}
