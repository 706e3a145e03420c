import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCommand } from "../support/run-command.js";
import { SchemaRegistryStandIn } from "../support/schema-registry-stand-in.js";
import { acrossPartitions } from "../support/scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";

const brokers = inject("kafkaBrokers");
const PYTHON_PRODUCER = fileURLToPath(new URL("./confluent_producer.py", import.meta.url));
const SCHEMAS = {
  "json-schema": fileURLToPath(new URL("../../schemas/detection-event.v1.schema.json", import.meta.url)),
  avro: fileURLToPath(new URL("../../schemas/detection-event.v1.avsc", import.meta.url)),
};

/**
 * Confluent's own Python serializers register `schemas/` and frame the
 * events; the aggregator decodes them: JSON Schema with `JSONSerializer` and
 * `SchemaRegistryClient`, Avro with `AvroProducer` and its
 * `CachedSchemaRegistryClient` (the newer `AvroSerializer` needs fastavro,
 * which Debian does not package).
 */
describe("events framed by Confluent's Python serializers", () => {
  let registry: SchemaRegistryStandIn;
  let aggregator: TestAggregator;

  beforeAll(async () => {
    registry = await new SchemaRegistryStandIn().start();
    aggregator = await startTestAggregator(brokers, { schemaRegistryUrl: registry.url });
  });
  afterAll(async () => {
    await aggregator?.stop();
    await registry?.stop();
  });

  it("are counted exactly, with one schema lookup per encoding", async () => {
    const topic = aggregator.config.detectionTopic;
    for (const encoding of ["json-schema", "avro"] as const) {
      await runCommand("/usr/bin/python3", [
        PYTHON_PRODUCER,
        encoding,
        brokers,
        topic,
        registry.url,
        SCHEMAS[encoding],
        `py-${encoding}`,
        "25",
      ]);
    }
    const samples = acrossPartitions(await aggregator.waitForCommitted({ [topic]: 50 }));
    expect(samples.get('detection_total{camera_id="py-json-schema",model_type="yolov8n"}')).toBe(25);
    expect(samples.get('detection_total{camera_id="py-avro",model_type="yolov8n"}')).toBe(25);
    expect(samples.get(`aggregator_events_invalid_total{topic="${topic}",reason="schema_mismatch"}`)).toBe(0);
    expect([...registry.lookups.values()]).toEqual([1, 1]);
  });
});
