import { describe, expect, it } from "vitest";
import { decodeEventValue } from "../../src/decode/decode-json-event.js";
import type { DecodeResult } from "../../src/decode/decode-result.js";
import { createMessageDecoder } from "../../src/decode/message-decoder.js";
import type { StreamContract } from "../../src/decode/stream-contract.js";
import { createEventValidator } from "../../src/decode/validate-event.js";
import { testCatalogue } from "../support/catalogue.js";
import { detectionWire, jsonBytes, llmWire } from "../support/events.js";

const { contracts } = testCatalogue();
const contract = (stream: string) => contracts.find((c) => c.stream === stream) as StreamContract;
const decode = createMessageDecoder({ maxEventBytes: 1_024, maxLabelLength: 32 }, contracts);

/** A decoded event's label values by field name, and its time. */
function read(result: DecodeResult, stream = "detection") {
  if (result.status !== "ok") return result;
  const fields = contract(stream).labelFields;
  return {
    timeMs: result.event.timeMs,
    labels: Object.fromEntries(fields.map((field, i) => [field, result.event.labels[i]])),
  };
}

function reasonOf(kind: "detection" | "llm", payload: Buffer | string | null) {
  const result = decode(kind, typeof payload === "string" ? Buffer.from(payload) : payload);
  if (result.status === "ok") return "ok";
  return `${result.status}:${"reason" in result ? result.reason : result.schemaId}`;
}

describe("decoding detection events", () => {
  it("normalises a valid event, whatever the form of its timestamp and camera id", () => {
    const result = decode(
      "detection",
      jsonBytes(
        detectionWire({
          event_id: "e1",
          camera_id: 12,
          timestamp: 1_763_673_421_123,
          trace_id: "t",
          extra: { x: 1 },
        }),
      ),
    );
    expect(read(result)).toEqual({
      timeMs: 1_763_673_421_123,
      labels: { camera_id: "12", model_type: "yolov8n", trace_id: "t" },
    });
    expect(result.status === "ok" && result.event.fields.num_objects).toBe(10);
    const iso = decode("detection", jsonBytes(detectionWire({ timestamp: "2026-11-20T22:17:01.5+01:00" })));
    expect(iso.status === "ok" && iso.event.timeMs).toBe(Date.parse("2026-11-20T21:17:01.500Z"));
  });

  it("accepts JSON with leading whitespace", () => {
    expect(reasonOf("detection", `  \n${JSON.stringify(detectionWire())}`)).toBe("ok");
  });

  it("does not let __proto__ or constructor keys through", () => {
    const text = JSON.stringify(detectionWire()).replace(
      "{",
      '{"__proto__":{"polluted":1},"constructor":{"x":1},',
    );
    const result = decode("detection", Buffer.from(text));
    expect(result.status).toBe("ok");
    expect(read(result)).toEqual({
      timeMs: Date.parse("2026-11-20T21:17:01.123Z"),
      labels: { camera_id: "1", model_type: "yolov8n", trace_id: "" },
    });
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
  });

  it.each([
    ["invalid JSON", '{"camera_id":', "rejected:invalid_json"],
    [
      "a missing field",
      JSON.stringify({ ...detectionWire(), model_type: undefined }),
      "rejected:missing_field",
    ],
    ["a string latency", jsonBytes(detectionWire({ latency_seconds: "0.1" })), "rejected:wrong_type"],
    ["a fractional object count", jsonBytes(detectionWire({ num_objects: 2.5 })), "rejected:wrong_type"],
    ["a boolean camera id", jsonBytes(detectionWire({ camera_id: true })), "rejected:wrong_type"],
    ["a negative latency", jsonBytes(detectionWire({ latency_seconds: -0.1 })), "rejected:out_of_range"],
    ["a negative camera id", jsonBytes(detectionWire({ camera_id: -1 })), "rejected:out_of_range"],
    [
      "an infinite latency",
      JSON.stringify(detectionWire()).replace('"latency_seconds":0.05', '"latency_seconds":1e400'),
      "rejected:non_finite",
    ],
    ["an empty model", jsonBytes(detectionWire({ model_type: "" })), "rejected:invalid_value"],
    [
      "a timestamp without zone",
      jsonBytes(detectionWire({ timestamp: "2026-11-20T21:17:01" })),
      "rejected:invalid_timestamp",
    ],
    [
      "an impossible date",
      jsonBytes(detectionWire({ timestamp: "2026-02-31T25:00:00Z" })),
      "rejected:invalid_timestamp",
    ],
    ["a negative epoch", jsonBytes(detectionWire({ timestamp: -5 })), "rejected:invalid_timestamp"],
    ["a payload over the limit", jsonBytes(detectionWire({ pad: "x".repeat(2_000) })), "rejected:too_large"],
    ["an array", "[1,2,3]", "rejected:unknown_encoding"],
    ["plain text", "hello", "rejected:unknown_encoding"],
    ["only whitespace", "   ", "rejected:unknown_encoding"],
    [
      "Confluent framing without a registry",
      Buffer.from([0, 0, 0, 0, 7, 1]),
      "rejected:registry_not_configured",
    ],
    ["a tombstone", null, "skipped:tombstone"],
    ["an empty value", "", "skipped:empty"],
  ])("answers %s with %s", (_what, payload, expected) => {
    expect(reasonOf("detection", payload)).toBe(expected);
  });

  it("makes label fields safe: control characters out, long values cut, keys redacted", () => {
    const result = decode(
      "detection",
      jsonBytes(detectionWire({ camera_id: "gate\u0000\n7\u009b", model_type: `yolo-${"x".repeat(60)}` })),
    );
    expect(read(result)).toMatchObject({
      labels: { camera_id: "gate7", model_type: `yolo-${"x".repeat(27)}` },
    });
    const llm = read(decode("llm", jsonBytes(llmWire({ key_id: "sk-proj-abcdefghijklmnop1234" }))), "llm");
    expect("labels" in llm && llm.labels.key_id).toMatch(/^redacted-[0-9a-f]{12}$/);
  });

  it("answers a decoded value that is not an object (as Avro or JSON Schema framing may yield) with not_an_object", () => {
    expect(
      decodeEventValue(createEventValidator(contract("detection")), contract("detection"), [1, 2], 128),
    ).toEqual({
      status: "rejected",
      reason: "not_an_object",
      detail: "expected a JSON object, got an array",
    });
    expect(decodeEventValue(createEventValidator(contract("llm")), contract("llm"), 42, 128)).toEqual({
      status: "rejected",
      reason: "not_an_object",
      detail: "expected a JSON object, got number",
    });
  });

  it("says which field failed", () => {
    expect(decode("detection", jsonBytes(detectionWire({ num_groups: -2 })))).toEqual({
      status: "rejected",
      reason: "out_of_range",
      detail: "/num_groups must be >= 0",
    });
    expect(decode("detection", Buffer.from("{}"))).toEqual({
      status: "rejected",
      reason: "missing_field",
      detail: "/event_id is required",
    });
  });
});

describe("decoding LLM events", () => {
  it("normalises a valid event with and without a camera", () => {
    const result = decode("llm", jsonBytes(llmWire({ event_id: "l1", timestamp: 5, camera_id: 3 })));
    expect(read(result, "llm")).toEqual({
      timeMs: 5,
      labels: { provider: "openai", model: "gpt-4o-mini", key_id: "key-3" },
    });
    expect(result.status === "ok" && result.event.fields.status).toBe("success");
  });

  it.each([
    ["an unknown status", jsonBytes(llmWire({ status: "ok" })), "rejected:invalid_value"],
    ["negative tokens", jsonBytes(llmWire({ completion_tokens: -1 })), "rejected:out_of_range"],
    ["a missing key id", JSON.stringify({ ...llmWire(), key_id: undefined }), "rejected:missing_field"],
    ["a numeric provider", jsonBytes(llmWire({ provider: 4 })), "rejected:wrong_type"],
  ])("answers %s with %s", (_what, payload, expected) => {
    expect(reasonOf("llm", payload)).toBe(expected);
  });

  it("checks each topic against its own contract", () => {
    expect(reasonOf("llm", jsonBytes(detectionWire()))).toBe("rejected:missing_field");
  });
});
