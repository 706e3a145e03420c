import type { Admin, Kafka, Message } from "kafkajs";
import { Partitioners } from "kafkajs";
import type { EventGenerator } from "../src/produce/event-generator.js";

/** Six partitions per topic, as the throughput and scrape parts use. */
export async function createTopics(admin: Admin, topics: string[], partitions = 6): Promise<void> {
  await admin.createTopics({
    topics: topics.map((topic) => ({ topic, numPartitions: partitions })),
    waitForLeaders: true,
  });
}

export async function endOffsets(admin: Admin, topics: string[]): Promise<number> {
  let total = 0;
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high);
  }
  return total;
}

export async function committed(admin: Admin, group: string, topics: string[]): Promise<number> {
  const result = await admin.fetchOffsets({ groupId: group, topics });
  return result.flatMap((t) => t.partitions).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/** Produces `count` generated events into the two topics, in large batches; returns the bytes written. */
export async function preload(
  kafka: Kafka,
  topics: [string, string],
  generator: EventGenerator,
  count: number,
): Promise<number> {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  let bytes = 0;
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < count; ) {
    const detections: Message[] = [];
    const llms: Message[] = [];
    const size = Math.min(10_000, count - sent);
    for (let i = 0; i < size; i++) {
      const event = generator.next();
      bytes += event.value.length;
      (event.kind === "detection" ? detections : llms).push({ key: event.key, value: event.value });
    }
    sent += size;
    inFlight.push(
      producer.sendBatch({
        acks: 1,
        topicMessages: [
          { topic: topics[0], messages: detections },
          { topic: topics[1], messages: llms },
        ],
      }),
    );
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await producer.disconnect();
  return bytes;
}
