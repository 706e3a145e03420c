import type { Message, Producer } from "kafkajs";
import type { DeadLetterBatches } from "../../dead-letter/dead-letter-batches.js";
import { yieldToEventLoop } from "../../util/yield-to-event-loop.js";
import type { ChangelogRecord } from "../changelog/changelog-codec.js";

/**
 * Bytes of changelog records per produce request. kafkajs encodes a request
 * in one synchronous step (about 10 µs a record here): 64 KiB, a few hundred
 * records, holds the event loop a few milliseconds, where a whole commit of
 * thousands of changed label sets in one request held it for tens.
 */
const CHUNK_BYTES = 64 * 1024;

/** What one partition commits. */
export interface PartitionCommit {
  readonly groupId: string;
  readonly inputTopic: string;
  readonly partition: number;
  readonly changelogTopic: string;
  /** The state's changes: entries and removals, then the partition record. */
  readonly records: readonly ChangelogRecord[];
  /** Rejected records since the last commit, by dead-letter topic, in chunks that fit. */
  readonly deadLetters: DeadLetterBatches | undefined;
  /** The offset the state includes every record before: the group's next offset. */
  readonly nextOffset: string;
}

/**
 * One Kafka transaction: the changed state to changelog partition p, the
 * partition's rejects to the dead-letter topic, and the input offset to the
 * group (`sendOffsets`). All of it becomes visible together or not at all,
 * so the state, the dead letters and the offset never disagree, whatever
 * crashes. Records go in requests of at most 64 KiB (each under its topic's
 * record-batch limit), with a yield to the event loop between two, so a
 * commit of many changes or a flood of rejects neither exceeds a limit nor
 * holds the event loop. Always holds the partition record, so kafkajs always
 * ends the transaction with the broker (it skips EndTxn for an empty one).
 */
export async function commitPartition(producer: Producer, commit: PartitionCommit): Promise<void> {
  let step = "starting the transaction";
  const transaction = await producer.transaction().catch((error: unknown) => {
    throw new CommitError(step, error);
  });
  try {
    step = `writing the state changelog ${commit.changelogTopic}`;
    for (const chunk of chunks(commit.records)) {
      await transaction.send({
        topic: commit.changelogTopic,
        messages: chunk.map(({ key, value }) => ({ key, value, partition: commit.partition })),
      });
      await yieldToEventLoop();
    }
    for (const [topic, topicChunks] of commit.deadLetters?.chunks ?? []) {
      step = `cannot write to the dead-letter topic ${topic}`;
      for (const messages of topicChunks) {
        await transaction.send({ topic, messages: messages as Message[] });
        await yieldToEventLoop();
      }
    }
    step = `committing the offset of ${commit.inputTopic}`;
    await transaction.sendOffsets({
      consumerGroupId: commit.groupId,
      topics: [
        {
          topic: commit.inputTopic,
          partitions: [{ partition: commit.partition, offset: commit.nextOffset }],
        },
      ],
    });
    step = "ending the transaction";
    await transaction.commit();
  } catch (error) {
    // Best effort: the broker aborts it anyway when the next owner fences the id, or at its timeout.
    if (transaction.isActive()) await transaction.abort().catch(() => {});
    throw new CommitError(step, error);
  }
}

/** A failed commit, saying which step failed; the protocol error stays reachable for classification. */
export class CommitError extends Error {
  override readonly name = "CommitError";

  constructor(
    step: string,
    readonly originalError: unknown,
  ) {
    super(`${step}: ${(originalError as Error)?.message ?? String(originalError)}`);
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
