import { SchemaType } from "@kafkajs/confluent-schema-registry";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { writeConfluentFrame } from "../../src/decode/confluent-frame.js";
import { createRegistryClient } from "../../src/registry/registry-client.js";
import {
  readSchemaFile,
  SCHEMA_FILES,
  type SchemaEncoding,
  type SchemaFile,
} from "../../src/registry/schema-files.js";
import { FramedEventEncoder, registerSchemaFiles } from "../../src/registry/schema-publisher.js";
import { detectionWire, jsonBytes, llmWire } from "../support/events.js";
import { produce, type TestMessage } from "../support/kafka-client.js";
import { SchemaRegistryStandIn } from "../support/schema-registry-stand-in.js";
import { acrossPartitions, only, type Samples } from "../support/scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");

type Encoding = "json" | SchemaEncoding;
const ENCODINGS: readonly Encoding[] = ["json", "avro", "json-schema"];

/** Detection events with latencies on and between bucket bounds; `v2` ones carry the field version 2 added. */
const DETECTIONS = [
  { latency_seconds: 0.004, num_objects: 1, num_groups: 0, timestamp: 1_795_000_000_000 },
  { latency_seconds: 0.03, num_objects: 3, num_groups: 1, timestamp: "2026-11-20T21:17:09.500Z" },
  { latency_seconds: 0.75, num_objects: 0, num_groups: 0, model_type: "yolov8s", camera_id: 2 },
  { latency_seconds: 12, num_objects: 5, num_groups: 2, trace_id: "t-1" },
];
const LLM_CALLS = [
  { key_id: "key-1", status: "success", latency_seconds: 0.3, prompt_tokens: 100, completion_tokens: 20 },
  {
    key_id: "key-2",
    status: "timeout",
    latency_seconds: 60,
    prompt_tokens: 7,
    completion_tokens: 0,
    camera_id: 4,
  },
];

/** The same series with the encoding's prefix taken off the camera (or key) label, to compare encodings. */
function seriesOf(samples: Samples, prefix: string, ...names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [series, value] of Object.entries(only(samples, ...names))) {
    if (series.includes(`"${prefix}:`)) out[series.replaceAll(`"${prefix}:`, '"')] = value;
  }
  return out;
}

describe("Confluent-framed events beside plain JSON (stand-in registry, real broker)", () => {
  let registry: SchemaRegistryStandIn;
  let aggregator: TestAggregator;
  let encoder: FramedEventEncoder;
  let encode: (
    encoding: Encoding,
    kind: "detection" | "llm",
    event: object,
    version?: number,
  ) => Promise<Buffer>;

  beforeAll(async () => {
    registry = await new SchemaRegistryStandIn().start();
    aggregator = await startTestAggregator(brokers, { schemaRegistryUrl: registry.url }, { partitions: 2 });
    const client = createRegistryClient({ url: registry.url, requestTimeoutMs: 5_000 });
    encoder = new FramedEventEncoder(
      client,
      await registerSchemaFiles(client, {
        detection: aggregator.config.detectionTopic,
        llm: aggregator.config.llmTopic,
      }),
    );
    encode = async (encoding, kind, event, version) =>
      encoding === "json" ? jsonBytes(event) : encoder.encode(kind, encoding, event, version);
  });
  afterAll(async () => {
    await aggregator?.stop();
    await registry?.stop();
  });

  it("counts the same events the same way whatever their encoding, and rejects framed garbage with its reason", async () => {
    const { detectionTopic, llmTopic } = aggregator.config;
    const detections: TestMessage[] = [];
    const llmCalls: TestMessage[] = [];
    // Interleaved on one topic: json, avro, json-schema, json, avro, ...; the camera label names the encoding.
    for (const [i, fields] of DETECTIONS.entries()) {
      for (const encoding of ENCODINGS) {
        const camera = `${encoding}:${fields.camera_id ?? 1}`;
        const event = detectionWire({ ...fields, camera_id: camera });
        detections.push({ partition: i % 2, value: await encode(encoding, "detection", event, 1) });
      }
    }
    for (const [i, fields] of LLM_CALLS.entries()) {
      for (const encoding of ENCODINGS) {
        const event = llmWire({ ...fields, key_id: `${encoding}:${fields.key_id}`, timestamp: Date.now() });
        llmCalls.push({ partition: i % 2, value: await encode(encoding, "llm", event) });
      }
    }
    // Version 2 of the detection schema, in both framed encodings: read by this (version-1) aggregator.
    for (const encoding of ["avro", "json-schema"] as const) {
      const event = detectionWire({ camera_id: `v2-${encoding}`, frame_id: 42 });
      detections.push({ partition: 0, value: await encoder.encode("detection", encoding, event, 2) });
    }
    const avroId = encoder.schemaId("detection", "avro", 1);
    const jsonSchemaId = encoder.schemaId("detection", "json-schema", 1);
    const bad: TestMessage[] = [
      // an id no registry ever gave out
      { partition: 1, value: writeConfluentFrame(9_999, Buffer.from([2, 4, 6])) },
      // truncated Avro under a real id
      { partition: 0, value: writeConfluentFrame(avroId, Buffer.from([0x02, 0x65])) },
      // JSON that breaks its registered JSON Schema (wrong type)
      {
        partition: 1,
        value: writeConfluentFrame(jsonSchemaId, jsonBytes(detectionWire({ num_objects: "many" }))),
      },
      // valid Avro whose value breaks the event contract: the same validation as plain JSON rejects it
      {
        partition: 0,
        value: await encoder.encode("detection", "avro", detectionWire({ latency_seconds: -1 }), 1),
      },
      // shorter than the 5-byte header
      { partition: 1, value: Buffer.from([0, 0, 1]) },
    ];
    await produce(brokers, detectionTopic, [...detections, ...bad]);
    await produce(brokers, llmTopic, llmCalls);

    const samples = acrossPartitions(
      await aggregator.waitForCommitted({
        [detectionTopic]: detections.length + bad.length,
        [llmTopic]: llmCalls.length,
      }),
    );

    const detectionNames = [
      "detection_total",
      "detection_latency_seconds",
      "detection_objects_total",
      "detection_groups_total",
    ];
    const fromJson = seriesOf(samples, "json", ...detectionNames);
    expect(seriesOf(samples, "avro", ...detectionNames)).toEqual(fromJson);
    expect(seriesOf(samples, "json-schema", ...detectionNames)).toEqual(fromJson);
    expect(fromJson).toMatchObject({
      'detection_total{camera_id="1",model_type="yolov8n"}': 3,
      'detection_total{camera_id="2",model_type="yolov8s"}': 1,
      'detection_objects_total{camera_id="1",model_type="yolov8n"}': 9,
      'detection_groups_total{camera_id="1",model_type="yolov8n"}': 3,
      'detection_latency_seconds_bucket{camera_id="1",model_type="yolov8n",le="0.005"}': 1,
      'detection_latency_seconds_bucket{camera_id="1",model_type="yolov8n",le="0.025"}': 1,
      'detection_latency_seconds_bucket{camera_id="1",model_type="yolov8n",le="0.05"}': 2,
      'detection_latency_seconds_bucket{camera_id="1",model_type="yolov8n",le="10"}': 2,
      'detection_latency_seconds_bucket{camera_id="1",model_type="yolov8n",le="+Inf"}': 3,
      'detection_latency_seconds_count{camera_id="1",model_type="yolov8n"}': 3,
      'detection_latency_seconds_bucket{camera_id="2",model_type="yolov8s",le="0.5"}': 0,
      'detection_latency_seconds_bucket{camera_id="2",model_type="yolov8s",le="1"}': 1,
    });
    expect(fromJson['detection_latency_seconds_sum{camera_id="1",model_type="yolov8n"}']).toBeCloseTo(
      12.034,
      9,
    );

    const llmNames = [
      "llm_requests_total",
      "llm_latency_seconds",
      "llm_tokens_total",
      "api_key_requests_total",
    ];
    const llmFromJson = seriesOf(samples, "json", ...llmNames);
    expect(llmFromJson).toMatchObject({
      'api_key_requests_total{key_id="key-1",status="success"}': 1,
      'api_key_requests_total{key_id="key-2",status="timeout"}': 1,
    });
    // Series without an encoding-specific label add up the three encodings.
    expect(only(samples, "llm_requests_total", "llm_tokens_total")).toMatchObject({
      'llm_requests_total{provider="openai",model="gpt-4o-mini",status="success"}': 3,
      'llm_requests_total{provider="openai",model="gpt-4o-mini",status="timeout"}': 3,
      'llm_tokens_total{provider="openai",model="gpt-4o-mini",kind="prompt"}': 321,
      'llm_tokens_total{provider="openai",model="gpt-4o-mini",kind="completion"}': 60,
    });
    expect(seriesOf(samples, "avro", ...llmNames)).toEqual(llmFromJson);
    expect(seriesOf(samples, "json-schema", ...llmNames)).toEqual(llmFromJson);

    expect(samples.get('detection_total{camera_id="v2-avro",model_type="yolov8n"}')).toBe(1);
    expect(samples.get('detection_total{camera_id="v2-json-schema",model_type="yolov8n"}')).toBe(1);
    const invalid = (reason: string) =>
      samples.get(`aggregator_events_invalid_total{topic="${detectionTopic}",reason="${reason}"}`);
    expect(invalid("unknown_schema_id")).toBe(1);
    expect(invalid("schema_mismatch")).toBe(2);
    expect(invalid("out_of_range")).toBe(1);
    expect(invalid("unknown_encoding")).toBe(1);
    expect(invalid("registry_not_configured")).toBe(0);

    // Ids are immutable: each schema was asked for once, however many messages used it.
    for (const [id, requests] of registry.lookups) expect({ id, requests }).toEqual({ id, requests: 1 });
    expect(samples.get('aggregator_schema_registry_requests_total{outcome="loaded"}')).toBe(
      registry.lookups.size - 1,
    );
    expect(samples.get('aggregator_schema_registry_requests_total{outcome="not_found"}')).toBe(1);
    expect(samples.get('aggregator_schema_registry_requests_total{outcome="error"}')).toBe(0);
    expect(samples.get("aggregator_schema_registry_up")).toBe(1);
  });

  it("pauses only what needs the registry while it is down, reports it, and resumes without losing or repeating an event", async () => {
    const { detectionTopic } = aggregator.config;
    const client = createRegistryClient({ url: registry.url, requestTimeoutMs: 5_000 });
    // A schema this aggregator has not seen yet: the next message using it needs the registry.
    const avsc = JSON.parse(readSchemaFile(SCHEMA_FILES[0] as SchemaFile)) as { doc: string };
    const fresh = new FramedEventEncoder(client, [
      ...(await registerSchemaFiles(client, { detection: detectionTopic, llm: aggregator.config.llmTopic })),
    ]);
    const { id: newId } = await client.register(
      { type: SchemaType.AVRO, schema: JSON.stringify({ ...avsc, doc: "re-registered during the test" }) },
      { subject: `${detectionTopic}-outage-value` },
    );
    const newSchemaEvent = async (camera: string) =>
      client.encode(newId, detectionWire({ camera_id: camera }));
    const before = await aggregator.scrape();
    const consumedBefore = before.get(`aggregator_events_consumed_total{topic="${detectionTopic}"}`) ?? 0;
    const committedBefore = before.get(`aggregator_events_committed_total{topic="${detectionTopic}"}`) ?? 0;

    registry.failWith(503);
    const messages: TestMessage[] = [];
    for (let i = 0; i < 60; i++) {
      const camera = `outage-${i % 3}`;
      const value =
        i % 3 === 0
          ? jsonBytes(detectionWire({ camera_id: camera }))
          : i % 3 === 1
            ? await fresh.encode("detection", "avro", detectionWire({ camera_id: camera }), 1)
            : await newSchemaEvent(camera);
      messages.push({ partition: i % 2, value });
    }
    await produce(brokers, detectionTopic, messages);

    const down = await waitFor("the registry outage on /readyz", async () => {
      const response = await fetch(`${aggregator.baseUrl}/readyz`);
      const body = (await response.json()) as { checks: { name: string; ready: boolean; detail: string }[] };
      const check = body.checks.find((c) => c.name === "schema_registry");
      return response.status === 503 && check?.ready === false ? check : undefined;
    });
    expect(down.detail).toMatch(/^schema registry unavailable \(HTTP 503\)/);
    registry.failWith(undefined);
    await registry.stop();
    const during = await waitFor("both partitions paused", async () => {
      const samples = await aggregator.scrape();
      return samples.get("aggregator_partitions_paused") === 2 ? samples : undefined;
    });
    expect(during.get("aggregator_schema_registry_up")).toBe(0);
    // Partition 0 holds at its 2nd message (i = 2, the new schema), partition 1 at its 3rd (i = 5): 3 counted.
    expect(
      (during.get(`aggregator_events_consumed_total{topic="${detectionTopic}"}`) ?? 0) - consumedBefore,
    ).toBe(3);
    expect((await fetch(`${aggregator.baseUrl}/readyz`)).status).toBe(503);

    await registry.start();
    const restartedAt = Date.now();
    const after = acrossPartitions(
      await aggregator.waitForCommitted({ [detectionTopic]: committedBefore + messages.length }),
    );
    console.log(
      `[registry] outage: 2 partitions paused, ${messages.length} events all counted once ${Date.now() - restartedAt} ms after the registry came back`,
    );
    for (const camera of ["outage-0", "outage-1", "outage-2"]) {
      expect(after.get(`detection_total{camera_id="${camera}",model_type="yolov8n"}`)).toBe(20);
    }
    await waitFor("/readyz 200 again", async () =>
      (await fetch(`${aggregator.baseUrl}/readyz`)).status === 200 ? true : undefined,
    );
    const settled = await aggregator.scrape();
    expect(settled.get("aggregator_schema_registry_up")).toBe(1);
    expect(settled.get("aggregator_partitions_paused")).toBe(0);
    expect(
      settled.get(`aggregator_events_invalid_total{topic="${detectionTopic}",reason="unknown_schema_id"}`),
    ).toBe(1);
    expect(registry.lookups.get(newId)).toBeGreaterThanOrEqual(1);
  });
});
