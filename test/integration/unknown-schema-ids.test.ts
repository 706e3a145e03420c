import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MISSING_IDS_KEPT } from "../../src/registry/registry-schemas.js";
import { createTopics, produce, type TestMessage } from "../support/kafka-client.js";
import { SchemaRegistryStandIn } from "../support/schema-registry-stand-in.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";

const brokers = inject("kafkaBrokers");
const RECORDS = 50_000;
const IDS = 5_000;
const FIRST_ID = 100_000;

/** A record in the Confluent framing (magic byte 0, a 4-byte schema id) naming an id the registry does not have. */
function framed(n: number): TestMessage {
  const value = Buffer.alloc(5 + 16, 7);
  value.writeUInt8(0, 0);
  value.writeUInt32BE(FIRST_ID + (n % IDS), 1);
  return { value, partition: n % 2 };
}

describe("a producer framing records with schema ids the registry does not have", () => {
  let registry: SchemaRegistryStandIn;
  let aggregator: TestAggregator;
  beforeAll(async () => {
    registry = await new SchemaRegistryStandIn().start();
    // The records are in Kafka before the service starts: what is measured is the service, not the producer.
    aggregator = await startTestAggregator(
      brokers,
      { schemaRegistryUrl: registry.url },
      {
        create: async (detection, llm) => {
          await createTopics(brokers, [detection, llm], 2);
          await produce(
            brokers,
            detection,
            Array.from({ length: RECORDS }, (_, n) => framed(n)),
          );
        },
      },
    );
  });
  afterAll(async () => {
    await aggregator?.stop();
    await registry?.stop();
  });

  it("asks the registry once per id, not once per record, rejects every record with its reason, and remembers a bounded set", async () => {
    const topic = aggregator.config.detectionTopic;
    const started = Date.now();
    const samples = await aggregator.waitForCommitted({ [topic]: RECORDS }, 120_000);
    const ms = Date.now() - started;
    expect(samples.get(`aggregator_events_invalid_total{topic="${topic}",reason="unknown_schema_id"}`)).toBe(
      RECORDS,
    );
    expect(samples.get(`aggregator_events_committed_total{topic="${topic}"}`)).toBe(RECORDS);
    // Each id is asked for once per partition that meets it first (two here), never once per record.
    expect(registry.lookups.size).toBe(IDS);
    const most = Math.max(...registry.lookups.values());
    expect(most).toBeLessThanOrEqual(2);
    const requests = [...registry.lookups.values()].reduce((sum, n) => sum + n, 0);
    expect(samples.get('aggregator_schema_registry_requests_total{outcome="not_found"}')).toBe(requests);
    expect(samples.get("aggregator_schema_registry_missing_ids")).toBe(IDS);
    expect(IDS).toBeLessThan(MISSING_IDS_KEPT);
    console.log(
      `[unknown ids] ${RECORDS} records, ${IDS} unknown ids: ${requests} registry requests (at most ${most} per id), all rejected as unknown_schema_id ${(ms / 1000).toFixed(1)} s after the service started consuming`,
    );
  }, 180_000);
});
