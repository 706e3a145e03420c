import avro from "avsc";
import { describe, expect, it } from "vitest";
import { writeConfluentFrame } from "../../src/decode/confluent-frame.js";
import { createMessageDecoder } from "../../src/decode/message-decoder.js";
import type { SchemaEntry, SchemaLookup, WriterSchema } from "../../src/decode/schema-lookup.js";
import { readSchemaFile, SCHEMA_FILES } from "../../src/registry/schema-files.js";
import { testCatalogue } from "../support/catalogue.js";
import { detectionWire, jsonBytes, llmWire } from "../support/events.js";

const { contracts } = testCatalogue();

const avroType = (file: string) =>
  avro.Type.forSchema(JSON.parse(readSchemaFile(SCHEMA_FILES.find((f) => f.file === file) as never)));
const detectionV1 = avroType("detection-event.v1.avsc");
const detectionV2 = avroType("detection-event.v2.avsc");
const llmV1 = avroType("llm-event.v1.avsc");

/** Schema ids as a registry would hand them out; 7 is known not to exist. */
const SCHEMAS = new Map<number, WriterSchema>([
  [1, { format: "AVRO", decode: (body) => detectionV1.fromBuffer(body) }],
  [2, { format: "AVRO", decode: (body) => detectionV2.fromBuffer(body) }],
  [3, { format: "AVRO", decode: (body) => llmV1.fromBuffer(body) }],
  [4, { format: "JSON", decode: (body) => JSON.parse(body.toString("utf8")) }],
  [5, { format: "PROTOBUF", decode: () => ({}) }],
]);
const lookup: SchemaLookup = {
  entry(id): SchemaEntry {
    const schema = SCHEMAS.get(id);
    if (schema) return { state: "ready", schema };
    return id === 7
      ? { state: "missing", detail: "schema id 7 is not in the registry" }
      : { state: "unknown" };
  },
};
const decode = createMessageDecoder({ maxEventBytes: 1_024, maxLabelLength: 32, schemas: lookup }, contracts);
const avroFrame = (id: number, type: avro.Type, value: object) =>
  writeConfluentFrame(id, type.toBuffer(value));

describe("decoding Confluent-framed events", () => {
  it("turns Avro and JSON Schema events into exactly the event their JSON form gives", () => {
    const detection = detectionWire({ camera_id: 12, timestamp: 1_763_673_421_123 });
    const fromJson = decode("detection", jsonBytes(detection));
    expect(fromJson.status).toBe("ok");
    expect(decode("detection", avroFrame(1, detectionV1, detection))).toEqual(fromJson);
    expect(decode("detection", writeConfluentFrame(4, jsonBytes(detection)))).toEqual(fromJson);
    const llm = llmWire({ camera_id: "cam-9", status: "rate_limited" });
    expect(decode("llm", avroFrame(3, llmV1, llm))).toEqual(decode("llm", jsonBytes(llm)));
  });

  it("reads Avro's null for an optional field left out as absent, not as a wrong type", () => {
    const llm = llmWire();
    expect(decode("llm", avroFrame(3, llmV1, { ...llm, camera_id: null }))).toEqual(
      decode("llm", jsonBytes(llm)),
    );
  });

  it("reads a version-2 event with the version-1 contract", () => {
    const detection = detectionWire({ frame_id: 42 });
    const result = decode("detection", avroFrame(2, detectionV2, detection));
    expect(result).toEqual(decode("detection", jsonBytes(detection)));
  });

  it("asks for a schema it has not loaded instead of guessing", () => {
    expect(decode("detection", writeConfluentFrame(99, Buffer.from([1])))).toEqual({
      status: "needs_schema",
      schemaId: 99,
    });
  });

  it.each([
    ["an id the registry does not know", writeConfluentFrame(7, Buffer.from([1])), "unknown_schema_id"],
    ["truncated Avro", writeConfluentFrame(1, Buffer.from([2, 0x65])), "schema_mismatch"],
    [
      "Avro with trailing bytes",
      Buffer.concat([avroFrame(3, llmV1, llmWire()), Buffer.from([0])]),
      "schema_mismatch",
    ],
    [
      "JSON Schema framing around invalid JSON",
      writeConfluentFrame(4, Buffer.from("{oops")),
      "schema_mismatch",
    ],
    ["a Protobuf schema", writeConfluentFrame(5, Buffer.from([8, 1])), "unsupported_schema_type"],
    ["a frame shorter than its header", Buffer.from([0, 0, 0, 1]), "unknown_encoding"],
    [
      "valid Avro that breaks the event contract",
      avroFrame(1, detectionV1, detectionWire({ latency_seconds: -0.5 })),
      "out_of_range",
    ],
  ])("rejects %s with its own reason", (_name, payload, reason) => {
    const result = decode("detection", payload);
    expect(result.status === "rejected" && result.reason).toBe(reason);
  });

  it("rejects framed messages when no registry is configured", () => {
    const plain = createMessageDecoder({ maxEventBytes: 1_024, maxLabelLength: 32 }, contracts);
    const result = plain("detection", avroFrame(1, detectionV1, detectionWire()));
    expect(result.status === "rejected" && result.reason).toBe("registry_not_configured");
  });
});
