import { readFileSync } from "node:fs";

/** `schemas/` at the package root, from both `src/registry` and `dist/registry`. */
export const SCHEMAS_DIR = new URL("../../schemas/", import.meta.url);

/** The streams of the shipped catalogue, whose contracts `register-schemas` publishes. */
export type BuiltinStream = "detection" | "llm";

/** Registry-framed encodings a producer can choose. */
export type SchemaEncoding = "avro" | "json-schema";

/** One schema file of `schemas/` as it is registered. */
export interface SchemaFile {
  readonly kind: BuiltinStream;
  readonly encoding: SchemaEncoding;
  readonly version: number;
  readonly file: string;
}

/**
 * The registered contract, in registration order: a subject's versions must
 * arrive oldest first. Detection v2 is the evolution example (an optional
 * `frame_id`); both aggregators and producers of v1 read it.
 */
export const SCHEMA_FILES: readonly SchemaFile[] = [
  { kind: "detection", encoding: "avro", version: 1, file: "detection-event.v1.avsc" },
  { kind: "detection", encoding: "avro", version: 2, file: "detection-event.v2.avsc" },
  { kind: "detection", encoding: "json-schema", version: 1, file: "detection-event.v1.schema.json" },
  { kind: "detection", encoding: "json-schema", version: 2, file: "detection-event.v2.schema.json" },
  { kind: "llm", encoding: "avro", version: 1, file: "llm-event.v1.avsc" },
  { kind: "llm", encoding: "json-schema", version: 1, file: "llm-event.v1.schema.json" },
];

/** The text of a schema file, as it is sent to the registry. */
export function readSchemaFile(file: SchemaFile): string {
  return readFileSync(new URL(file.file, SCHEMAS_DIR), "utf8");
}

/**
 * Subject of a topic's schemas. Avro uses Confluent's default
 * TopicNameStrategy (`<topic>-value`); JSON Schema gets its own subject,
 * because one subject holds one schema type and a topic may carry both
 * during a migration.
 */
export function subjectOf(topic: string, encoding: SchemaEncoding): string {
  return encoding === "avro" ? `${topic}-value` : `${topic}-jsonschema-value`;
}
