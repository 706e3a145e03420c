import { CONFLUENT_MAGIC_BYTE } from "./confluent-frame.js";
import { decodeFramedEvent } from "./decode-framed-event.js";
import { decodeJsonEvent } from "./decode-json-event.js";
import { type DecodeResult, rejected } from "./decode-result.js";
import type { SchemaLookup } from "./schema-lookup.js";
import type { StreamContract } from "./stream-contract.js";
import { createEventValidator } from "./validate-event.js";

/** Options of {@link createMessageDecoder}. */
export interface MessageDecoderOptions {
  /** Larger payloads are rejected as `too_large` before any parsing. */
  readonly maxEventBytes: number;
  /** Label values are cut to this many characters. */
  readonly maxLabelLength: number;
  /** Schemas of a Confluent-compatible registry; without one, framed messages are `registry_not_configured`. */
  readonly schemas?: SchemaLookup | undefined;
}

/** Decodes the value of one Kafka record of a stream into an event, a reject or a skip. */
export type MessageDecoder = (stream: string, payload: Buffer | null) => DecodeResult;

const OPEN_BRACE = 0x7b;

function firstSignificantByte(payload: Buffer): number | undefined {
  for (let i = 0; i < payload.length; i++) {
    const byte = payload[i] as number;
    // JSON allows leading whitespace: space, tab, line feed, carriage return
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return byte;
  }
  return undefined;
}

/**
 * Chooses the decoding per message from its first byte, so one topic can
 * carry several encodings during a migration: `{` is plain JSON, 0 is the
 * Confluent Schema Registry framing, anything else is `unknown_encoding`.
 */
export function createMessageDecoder(
  options: MessageDecoderOptions,
  contracts: readonly StreamContract[],
): MessageDecoder {
  const byStream = new Map(
    contracts.map((contract) => [contract.stream, { contract, validate: createEventValidator(contract) }]),
  );
  return (stream, payload) => {
    const known = byStream.get(stream);
    if (known === undefined) throw new Error(`no contract for stream ${stream}`);
    const { contract, validate } = known;
    if (payload === null) return { status: "skipped", reason: "tombstone" };
    if (payload.length === 0) return { status: "skipped", reason: "empty" };
    if (payload.length > options.maxEventBytes) {
      return rejected("too_large", `${payload.length} bytes exceeds the limit of ${options.maxEventBytes}`);
    }
    const first = firstSignificantByte(payload);
    if (first === OPEN_BRACE)
      return decodeJsonEvent(validate, contract, payload.toString("utf8"), options.maxLabelLength);
    if (payload[0] === CONFLUENT_MAGIC_BYTE) {
      return options.schemas === undefined
        ? rejected("registry_not_configured", "Confluent-framed message but no schema registry is configured")
        : decodeFramedEvent(options.schemas, validate, contract, payload, options.maxLabelLength);
    }
    return rejected(
      "unknown_encoding",
      first === undefined
        ? "payload is only whitespace"
        : `first byte 0x${first.toString(16).padStart(2, "0")}`,
    );
  };
}
