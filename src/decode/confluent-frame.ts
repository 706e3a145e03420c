/** The Confluent wire format's first byte. */
export const CONFLUENT_MAGIC_BYTE = 0x00;
/** Magic byte plus the 4-byte big-endian schema id. */
const HEADER_BYTES = 5;

/** A Confluent-framed payload split into its schema id and the encoded body. */
export interface ConfluentFrame {
  readonly schemaId: number;
  readonly body: Buffer;
}

/**
 * Splits magic byte 0, a 4-byte big-endian schema id and the payload;
 * `undefined` when the buffer is not framed or too short to hold a header.
 */
export function readConfluentFrame(payload: Buffer): ConfluentFrame | undefined {
  if (payload.length < HEADER_BYTES || payload[0] !== CONFLUENT_MAGIC_BYTE) return undefined;
  return { schemaId: payload.readUInt32BE(1), body: payload.subarray(HEADER_BYTES) };
}

/** Frames an encoded body with its schema id: what a Confluent serializer writes. */
export function writeConfluentFrame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(CONFLUENT_MAGIC_BYTE, 0);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}
