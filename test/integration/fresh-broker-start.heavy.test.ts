import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type KafkaBroker, startKafkaContainer } from "../../scripts/kafka-harness/kafka-container.js";
import { detectionWire, jsonBytes, llmWire } from "../support/events.js";
import { produce } from "../support/kafka-client.js";
import { scrape } from "../support/scrape.js";
import { serviceSetup, spawnService } from "../support/service-process.js";
import { waitFor } from "../support/wait-for.js";

const containers = inject("containersAvailable");
if (!containers)
  console.warn("[skip] the first start on a fresh broker: the harness cannot start containers here");

/**
 * The first start of a deployment: a broker that has just started, whose
 * group and transaction coordinators have never served (the shared test
 * broker is warmed up, so it cannot show this). kafkajs logs the retries
 * this brings (a coordinator not available yet, or not this one) at ERROR;
 * they are expected, and must not read as failures.
 */
describe.skipIf(!containers)("the first start on a fresh broker", () => {
  let broker: KafkaBroker;
  beforeAll(async () => {
    broker = await startKafkaContainer(inject("kafkaImage"), { warmUp: false });
  }, 120_000);
  afterAll(() => broker?.close());

  it("logs no error-level line, from the start to the first events counted and a clean stop", async () => {
    const setup = await serviceSetup(broker.bootstrap, 3, { STATE_COMMIT_INTERVAL: "200ms" });
    await produce(
      broker.bootstrap,
      setup.detectionTopic,
      Array.from({ length: 30 }, () => ({ value: jsonBytes(detectionWire()) })),
    );
    await produce(
      broker.bootstrap,
      setup.llmTopic,
      Array.from({ length: 10 }, () => ({ value: jsonBytes(llmWire()) })),
    );
    const service = spawnService(setup.env);
    const url = await service.baseUrl();
    await waitFor(
      "the 40 events on /metrics",
      async () => {
        const samples = await scrape(url);
        return samples.get(`aggregator_events_committed_total{topic="${setup.detectionTopic}"}`) === 30 &&
          samples.get(`aggregator_events_committed_total{topic="${setup.llmTopic}"}`) === 10
          ? true
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    const errors = service.logs.filter((l) => l.level === "error" || l.level === "fatal");
    expect(errors, JSON.stringify(errors.slice(0, 5))).toEqual([]);
    expect(service.stderr()).toBe("");
  }, 120_000);
});
