/** Schema types of a Confluent-compatible registry. */
export type SchemaFormat = "AVRO" | "JSON" | "PROTOBUF";

/** A registered schema, ready to decode the bodies written with it. */
export interface WriterSchema {
  readonly format: SchemaFormat;
  /** Decodes one body; throws when the bytes do not match the schema. */
  decode(body: Buffer): unknown;
}

/** What is known about one schema id without asking the registry. */
export type SchemaEntry =
  | { readonly state: "ready"; readonly schema: WriterSchema }
  /** The registry answered that the id does not exist. */
  | { readonly state: "missing"; readonly detail: string }
  /** Not asked yet: the caller must load it before the message can be decoded. */
  | { readonly state: "unknown" };

/**
 * The decoder's synchronous view of the schema cache. Ids are immutable in a
 * Confluent registry, so a schema once loaded decodes every later message
 * without a request; loading is the caller's job, outside the pure decoder.
 */
export interface SchemaLookup {
  entry(schemaId: number): SchemaEntry;
}
