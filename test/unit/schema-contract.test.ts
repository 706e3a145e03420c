import avro from "avsc";
import { describe, expect, it } from "vitest";
import { createEventValidator } from "../../src/decode/validate-event.js";
import { readSchemaFile, SCHEMA_FILES, type SchemaFile } from "../../src/registry/schema-files.js";
import { testCatalogue } from "../support/catalogue.js";
import { detectionWire, llmWire } from "../support/events.js";

const file = (name: string) => SCHEMA_FILES.find((f) => f.file === name) as SchemaFile;
const avroType = (name: string) => avro.Type.forSchema(JSON.parse(readSchemaFile(file(name))));
type JsonSchema = { required: string[]; properties: Record<string, unknown> };
type AvroRecord = { fields: { name: string; type: unknown; default?: unknown }[] };

describe("schemas/: the producers' contract", () => {
  it.each([
    ["detection-event.v1.avsc", "detection-event.v1.schema.json"],
    ["detection-event.v2.avsc", "detection-event.v2.schema.json"],
    ["llm-event.v1.avsc", "llm-event.v1.schema.json"],
  ])("%s has the fields of %s, optional where JSON Schema does not require them", (avsc, json) => {
    const record = JSON.parse(readSchemaFile(file(avsc))) as AvroRecord;
    const schema = JSON.parse(readSchemaFile(file(json))) as JsonSchema;
    expect(record.fields.map((f) => f.name).sort()).toEqual(Object.keys(schema.properties).sort());
    const optional = record.fields.filter((f) => "default" in f && f.default === null).map((f) => f.name);
    expect(optional.sort()).toEqual(
      Object.keys(schema.properties)
        .filter((name) => !schema.required.includes(name))
        .sort(),
    );
  });

  it("evolves detection events compatibly: v1 and v2 readers each read the other's events", () => {
    const v1 = avroType("detection-event.v1.avsc");
    const v2 = avroType("detection-event.v2.avsc");
    const newEvent = detectionWire({ frame_id: 7 });
    const oldEvent = detectionWire();
    const readByOld = v1.fromBuffer(v2.toBuffer(newEvent), v1.createResolver(v2)) as Record<string, unknown>;
    expect(readByOld.frame_id).toBeUndefined();
    expect(readByOld.event_id).toBe(newEvent.event_id);
    const readByNew = v2.fromBuffer(v1.toBuffer(oldEvent), v2.createResolver(v1)) as Record<string, unknown>;
    expect(readByNew.frame_id).toBeNull();
    expect(readByNew.event_id).toBe(oldEvent.event_id);
  });

  it("lets the version-1 validator accept version-2 events, so old aggregators keep counting them", () => {
    const detection = testCatalogue().contracts.find((c) => c.stream === "detection");
    expect(detection && createEventValidator(detection)(detectionWire({ frame_id: 7 }))).toBeUndefined();
  });

  it("encodes the same example events in Avro that the JSON contract accepts", () => {
    expect(avroType("detection-event.v1.avsc").isValid(detectionWire({ camera_id: 3, timestamp: 1 }))).toBe(
      true,
    );
    expect(avroType("llm-event.v1.avsc").isValid(llmWire({ camera_id: null }))).toBe(true);
    expect(avroType("llm-event.v1.avsc").isValid(llmWire({ status: "unknown" }))).toBe(false);
  });
});
