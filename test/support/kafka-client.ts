import { Kafka, logLevel, Partitioners } from "kafkajs";
import { uniqueName } from "./names.js";
import { waitFor } from "./wait-for.js";

/** A kafkajs client for test set-up (topics, producing), quiet unless a test fails. */
export function testKafka(brokers: string): Kafka {
  return new Kafka({ clientId: uniqueName("test"), brokers: brokers.split(","), logLevel: logLevel.NOTHING });
}

/**
 * Creates topics and waits until every partition has a leader. kafkajs's own
 * `waitForLeaders` gives up on the first "does not host this topic-partition"
 * a busy broker answers, so the wait polls metadata instead.
 */
export async function createTopics(
  brokers: string,
  topics: readonly string[],
  numPartitions = 3,
): Promise<void> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions })),
      waitForLeaders: false,
    });
    // kafkajs answers false (no error) when a topic exists: its settings would silently not apply.
    if (!created) throw new Error(`topics ${topics.join(", ")} already existed`);
    await waitFor(`leaders of ${topics.join(", ")}`, async () => {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      const ready = metadata.topics.every(
        (t) => t.partitions.length === numPartitions && t.partitions.every((p) => p.leader >= 0),
      );
      return ready ? true : undefined;
    });
  } finally {
    await admin.disconnect();
  }
}

/** One message to produce: its value and, optionally, the partition. */
export interface TestMessage {
  readonly value: Buffer | string | null;
  readonly partition?: number;
  readonly key?: string;
  /** The record's timestamp (epoch ms as text); the producer's clock when absent. */
  readonly timestamp?: string;
}

/**
 * Produces messages with acks from all replicas, in the order given within
 * each partition. The producer is idempotent: on a loaded machine a send can
 * time out and be retried, and a plain producer would then write the messages
 * twice. Each request carries one partition: kafkajs rolls back the sequence
 * numbers of every partition of a failed request, including those the broker
 * did append, and its retry then fails with "out of order sequence number"
 * (tulios/kafkajs#598); with one partition per request the rollback is right.
 */
export async function produce(
  brokers: string,
  topic: string,
  messages: readonly TestMessage[],
): Promise<void> {
  const kafka = testKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] }).finally(() => admin.disconnect());
  const partitionMetadata = metadata.topics[0]?.partitions ?? [];
  // The same choice kafkajs would make for a message without a partition.
  const partitioner = Partitioners.DefaultPartitioner();
  const byPartition = new Map<number, TestMessage[]>();
  for (const message of messages) {
    const partition =
      message.partition ??
      partitioner({ topic, partitionMetadata, message: { key: message.key ?? null, value: message.value } });
    const list = byPartition.get(partition);
    if (list) list.push(message);
    else byPartition.set(partition, [message]);
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const [partition, list] of byPartition) {
      for (let i = 0; i < list.length; i += 500) {
        await producer.send({
          topic,
          acks: -1,
          messages: list.slice(i, i + 500).map((m) => ({ ...m, partition })),
        });
      }
    }
  } finally {
    await producer.disconnect();
  }
}

/** Committed offsets of a group, as `partition → offset` for one topic. */
export async function committedOffsets(
  brokers: string,
  groupId: string,
  topic: string,
): Promise<Record<number, number>> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries((result?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** A record read back from a topic: key, value and headers as the broker stored them. */
export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, Buffer | undefined>;
}

/** Reads a topic from the beginning with a fresh group until `count` records arrived. */
export async function readTopic(brokers: string, topic: string, count: number): Promise<ReadRecord[]> {
  const consumer = testKafka(brokers).consumer({ groupId: uniqueName("reader") });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.push({
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: message.headers as Record<string, Buffer | undefined>,
        });
      },
    });
    await waitFor(`${count} records on ${topic}`, async () => (records.length >= count ? true : undefined));
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Records in a topic: the sum of its partitions' end offsets (nothing is deleted in a test's lifetime). */
export async function recordCount(brokers: string, topic: string): Promise<number> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}
