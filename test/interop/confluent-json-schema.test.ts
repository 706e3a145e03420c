import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCommand } from "../support/run-command.js";
import { SchemaRegistryStandIn } from "../support/schema-registry-stand-in.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";

const brokers = inject("kafkaBrokers");
const PYTHON_PRODUCER = fileURLToPath(new URL("./confluent_producer.py", import.meta.url));
const JSON_SCHEMA = fileURLToPath(new URL("../../schemas/detection-event.v1.schema.json", import.meta.url));

/**
 * Confluent's own Python serializer (confluent-kafka's JSONSerializer and
 * SchemaRegistryClient) registers `schemas/` and frames the events; the
 * aggregator decodes them. Avro from Python is not tested: Debian has no
 * fastavro, which confluent-kafka's AvroSerializer needs.
 */
describe("JSON Schema events framed by Confluent's Python serializer", () => {
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

  it("are counted exactly, with one schema lookup", async () => {
    const topic = aggregator.config.detectionTopic;
    await runCommand("/usr/bin/python3", [
      PYTHON_PRODUCER,
      "json-schema",
      brokers,
      topic,
      registry.url,
      JSON_SCHEMA,
      "py-json-schema",
      "25",
    ]);
    const samples = await aggregator.waitForConsumed({ [topic]: 25 });
    expect(samples.get('detection_total{camera_id="py-json-schema",model_type="yolov8n"}')).toBe(25);
    expect(samples.get(`aggregator_events_invalid_total{topic="${topic}",reason="schema_mismatch"}`)).toBe(0);
    expect([...registry.lookups.values()]).toEqual([1]);
  });
});
