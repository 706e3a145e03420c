import type { Producer } from "kafkajs";
import type { PartitionState, StateSnapshot } from "../../aggregate/partition-state.js";
import type { DeadLetter } from "../../dead-letter/dead-letter.js";
import { deadLetterBatches } from "../../dead-letter/dead-letter-batches.js";
import type { DeadLetterLimits } from "../../dead-letter/dead-letter-limits.js";
import type { ChangelogWriter } from "../changelog/changelog-writer.js";
import type { RecentBrokerErrors } from "../kafka-errors.js";
import { commitPartition } from "./commit-transaction.js";
import type { OpenedPartition, PartitionRef } from "./state-store.js";

/** What a durable partition reports; `SelfMetrics` implements it. */
export interface DurablePartitionTelemetry {
  recordDeadLetters(topic: string, count: number): void;
  /** Dead letters written with their payload cut to fit their topic. */
  recordDeadLettersCut(topic: string, count: number): void;
}

/**
 * A partition's durable state, opened: the producer that fenced its
 * transactional id, and the changelog writer that knows which layouts the
 * changelog partition holds. Each `persist` is one Kafka transaction: the
 * snapshot's changelog records, the rejects' dead letters and the input
 * offset (`commit-transaction.ts`).
 */
export class DurablePartition implements OpenedPartition {
  constructor(
    private readonly producer: Producer,
    readonly state: PartitionState,
    private readonly writer: ChangelogWriter,
    private readonly partition: PartitionRef,
    readonly brokerErrors: RecentBrokerErrors,
    private readonly parts: {
      readonly options: { readonly groupId: string; readonly deadLetterTemplate: string | undefined };
      readonly telemetry: DurablePartitionTelemetry;
      readonly deadLetterLimits: DeadLetterLimits;
    },
  ) {}

  get pending(): boolean {
    return this.writer.pending;
  }

  async persist(snapshot: StateSnapshot, rejects: readonly DeadLetter[]): Promise<boolean> {
    const nextOffset = snapshot.meta.nextOffset;
    if (nextOffset === undefined) return false;
    const { options, telemetry, deadLetterLimits } = this.parts;
    const template = options.deadLetterTemplate;
    const deadLetters =
      template === undefined || rejects.length === 0
        ? undefined
        : await deadLetterBatches(rejects, template, (topic) => deadLetterLimits.maxMessageBytes(topic));
    const write = this.writer.write(snapshot);
    await commitPartition(this.producer, {
      groupId: options.groupId,
      inputTopic: this.partition.topic,
      partition: this.partition.partition,
      changelogTopic: this.partition.changelog as string,
      records: write.records,
      deadLetters,
      nextOffset,
    });
    write.committed();
    for (const [topic, count] of deadLetters?.counts ?? []) telemetry.recordDeadLetters(topic, count);
    for (const [topic, count] of deadLetters?.cut ?? []) telemetry.recordDeadLettersCut(topic, count);
    return true;
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => {});
  }
}
