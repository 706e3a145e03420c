import { Kafka, logLevel, Partitioners } from "kafkajs";
import { uniqueName } from "./names.js";

/** A kafkajs client for test set-up (topics, producing), quiet unless a test fails. */
export function testKafka(brokers: string): Kafka {
  return new Kafka({ clientId: uniqueName("test"), brokers: brokers.split(","), logLevel: logLevel.NOTHING });
}

/** Creates topics and waits for their leaders. */
export async function createTopics(
  brokers: string,
  topics: readonly string[],
  numPartitions = 3,
): Promise<void> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions })),
      waitForLeaders: true,
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
}

/** Produces messages with acks from all replicas, in the order given. */
export async function produce(
  brokers: string,
  topic: string,
  messages: readonly TestMessage[],
): Promise<void> {
  const producer = testKafka(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 500) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500).map((m) => ({ ...m })) });
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
