import { Kafka, logLevel, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type KafkaBroker, startKafkaContainer } from "../../scripts/kafka-harness/kafka-container.js";
import { uniqueName } from "../support/names.js";
import { waitFor } from "../support/wait-for.js";

function client(brokers: string) {
  return new Kafka({
    clientId: uniqueName("harness-test"),
    brokers: brokers.split(","),
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
}

describe("Kafka test harness", () => {
  it("round-trips messages through the real broker with a consumer group", async () => {
    const kafka = client(inject("kafkaBrokers"));
    const topic = uniqueName("harness");
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => `message-${i}`);
    await producer.send({ topic, messages: sent.map((value, i) => ({ key: `k${i % 5}`, value })) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName("harness-group") });
    const received: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message.value?.toString() ?? "");
      },
    });
    await waitFor("30 messages", () => (received.length >= 30 ? true : undefined));
    await consumer.disconnect();
    expect(received.sort()).toEqual([...sent].sort());
  });

  describe("broker stop and restart", () => {
    let broker: KafkaBroker | undefined;
    const containers = inject("containersAvailable");

    // Printed here, not in beforeAll: hooks do not run when every test of the block is skipped.
    if (!containers) {
      console.warn(
        "[skip] broker restart: KAFKA_HARNESS_CONTAINERS=false, the harness cannot start its own broker",
      );
    }

    beforeAll(async () => {
      if (!containers) return;
      // Its own broker: stopping the shared one would break tests running beside it.
      broker = await startKafkaContainer(inject("kafkaImage"));
    });
    afterAll(async () => {
      await broker?.close();
    });

    it.skipIf(!containers)(
      "lets the same producer and consumer carry on after the broker comes back",
      async () => {
        if (!broker) throw new Error("no broker");
        const kafka = client(broker.bootstrap);
        const topic = uniqueName("restart");
        const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
        const consumer = kafka.consumer({ groupId: uniqueName("restart-group"), retry: { retries: 50 } });
        const received: string[] = [];
        await producer.connect();
        await producer.send({ topic, messages: [{ value: "before" }] });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            received.push(message.value?.toString() ?? "");
          },
        });
        await waitFor("the message sent before the outage", () =>
          received.includes("before") ? true : undefined,
        );

        await broker.stopBroker();
        await broker.startBroker();

        await waitFor("a send after the restart", async () => {
          await producer.send({ topic, messages: [{ value: "after" }] });
          return true;
        });
        await waitFor(
          "the message sent after the restart",
          () => (received.includes("after") ? true : undefined),
          {
            timeoutMs: 60_000,
          },
        );
        await consumer.disconnect();
        await producer.disconnect();
        expect(received.filter((value) => value === "before")).toEqual(["before"]);
        expect(received.filter((value) => value === "after").length).toBeGreaterThanOrEqual(1);
      },
    );
  });
});
