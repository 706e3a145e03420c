import type { Producer } from "kafkajs";
import type { ChangelogRecord } from "../aggregate/changelog-codec.js";
import { type DeadLetter, deadLetterMessage, deadLetterTopic } from "../dead-letter/dead-letter.js";

/** Bytes of changelog records per produce request: well under the broker's default 1 MiB per record batch. */
const CHUNK_BYTES = 256 * 1024;

/** What one partition commits. */
export interface PartitionCommit {
  readonly groupId: string;
  readonly inputTopic: string;
  readonly partition: number;
  readonly changelogTopic: string;
  /** The state's changes: entries and removals, then the partition record. */
  readonly records: readonly ChangelogRecord[];
  /** Rejected records since the last commit, and where they go. */
  readonly deadLetters: readonly DeadLetter[];
  readonly deadLetterTemplate: string | undefined;
  /** The offset the state includes every record before: the group's next offset. */
  readonly nextOffset: string;
}

/**
 * One Kafka transaction: the changed state to changelog partition p, the
 * partition's rejects to the dead-letter topic, and the input offset to the
 * group (`sendOffsets`). All of it becomes visible together or not at all,
 * so the state, the dead letters and the offset never disagree, whatever
 * crashes. Always holds the partition record, so kafkajs always ends the
 * transaction with the broker (it skips EndTxn for an empty one).
 */
export async function commitPartition(producer: Producer, commit: PartitionCommit): Promise<void> {
  const transaction = await producer.transaction();
  try {
    for (const chunk of chunks(commit.records)) {
      await transaction.send({
        topic: commit.changelogTopic,
        messages: chunk.map(({ key, value }) => ({ key, value, partition: commit.partition })),
      });
    }
    if (commit.deadLetters.length > 0 && commit.deadLetterTemplate !== undefined) {
      const byTopic = new Map<string, ReturnType<typeof deadLetterMessage>[]>();
      for (const letter of commit.deadLetters) {
        const topic = deadLetterTopic(commit.deadLetterTemplate, letter.topic);
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), deadLetterMessage(letter)]);
      }
      await transaction.sendBatch({
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    }
    await transaction.sendOffsets({
      consumerGroupId: commit.groupId,
      topics: [
        {
          topic: commit.inputTopic,
          partitions: [{ partition: commit.partition, offset: commit.nextOffset }],
        },
      ],
    });
    await transaction.commit();
  } catch (error) {
    // Best effort: the broker aborts it anyway when the next owner fences the id, or at its timeout.
    if (transaction.isActive()) await transaction.abort().catch(() => {});
    throw error;
  }
}

function* chunks(records: readonly ChangelogRecord[]): Iterable<ChangelogRecord[]> {
  let chunk: ChangelogRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = record.key.length + (record.value?.length ?? 0) + 32;
    if (chunk.length > 0 && bytes + size > CHUNK_BYTES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
