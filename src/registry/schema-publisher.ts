import { type SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import {
  type BuiltinStream,
  readSchemaFile,
  SCHEMA_FILES,
  type SchemaEncoding,
  type SchemaFile,
  subjectOf,
} from "./schema-files.js";

/** Topic of each event kind, whose subjects the schemas are registered under. */
export type TopicsByKind = Readonly<Record<BuiltinStream, string>>;

/** A schema file and the id the registry gave it. */
export interface RegisteredSchemaFile extends SchemaFile {
  readonly subject: string;
  readonly id: number;
}

/**
 * Registers every file of `schemas/` under its topic's subject, oldest
 * version first (registering an existing schema again returns its id).
 */
export async function registerSchemaFiles(
  client: SchemaRegistry,
  topics: TopicsByKind,
): Promise<RegisteredSchemaFile[]> {
  const registered: RegisteredSchemaFile[] = [];
  for (const file of SCHEMA_FILES) {
    const subject = subjectOf(topics[file.kind], file.encoding);
    const type = file.encoding === "avro" ? SchemaType.AVRO : SchemaType.JSON;
    const { id } = await client.register({ type, schema: readSchemaFile(file) }, { subject });
    registered.push({ ...file, subject, id });
  }
  return registered;
}

/**
 * Encodes events in the Confluent wire format with registered schemas: what
 * a producer in any language sends. Encoding validates against the schema,
 * so an event that does not fit it is refused here, not by the consumer.
 */
export class FramedEventEncoder {
  constructor(
    private readonly client: SchemaRegistry,
    private readonly registered: readonly RegisteredSchemaFile[],
  ) {}

  /** The id of a kind's schema in an encoding; the newest version unless one is asked for. */
  schemaId(kind: BuiltinStream, encoding: SchemaEncoding, version?: number): number {
    const candidates = this.registered.filter(
      (file) =>
        file.kind === kind &&
        file.encoding === encoding &&
        (version === undefined || file.version === version),
    );
    const newest = candidates.at(-1);
    if (!newest)
      throw new Error(`no ${encoding} schema v${version ?? "latest"} registered for ${kind} events`);
    return newest.id;
  }

  /** Encodes one event; resolves without a request once the schema is cached. */
  encode(kind: BuiltinStream, encoding: SchemaEncoding, event: object, version?: number): Promise<Buffer> {
    return this.client.encode(this.schemaId(kind, encoding, version), event);
  }
}
