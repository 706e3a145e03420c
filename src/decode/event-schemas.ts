import { readFileSync } from "node:fs";
import type { EventKind } from "../events/domain-event.js";

/** `schemas/` at the package root, from both `src/decode` and `dist/decode`. */
export const SCHEMAS_DIR = new URL("../../schemas/", import.meta.url);

/** The version-1 JSON Schema file of each event kind: the producers' contract. */
export const JSON_SCHEMA_FILES: Readonly<Record<EventKind, string>> = {
  detection: "detection-event.v1.schema.json",
  llm: "llm-event.v1.schema.json",
};

/** Reads the JSON Schema of an event kind from `schemas/`. */
export function readJsonSchema(kind: EventKind): object {
  return JSON.parse(readFileSync(new URL(JSON_SCHEMA_FILES[kind], SCHEMAS_DIR), "utf8")) as object;
}
