import { type Kafka, Partitioners, type Producer } from "kafkajs";

/**
 * The transactional id of an input partition's producer: one per partition,
 * the same on every replica, so the next owner's producer fences the last
 * one's. (kafkajs 2.2.4 commits offsets in transactions without the group
 * generation, KIP-447, so a per-replica id would let a zombie's commit land.)
 * Group first, for prefix ACLs; read from the right it is unambiguous
 * (topic names hold no `/`).
 */
export function transactionalId(groupId: string, topic: string, partition: number): string {
  return `${groupId}/${topic}/${partition}`;
}

/**
 * A transactional producer for one input partition. Retries are bounded: a
 * commit that cannot complete fails, its transaction is abandoned, and the
 * partition is restored, rather than hanging a transaction that pins the
 * changelog's last stable offset.
 */
export function createPartitionProducer(kafka: Kafka, id: string, transactionTimeoutMs: number): Producer {
  return kafka.producer({
    transactionalId: id,
    transactionTimeout: transactionTimeoutMs,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
}
