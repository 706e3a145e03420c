import type { Admin, Kafka } from "kafkajs";
import { PartitionState } from "../aggregate/partition-state.js";
import type { StreamModel } from "../aggregate/stream-model.js";
import { commitPartition } from "./commit.js";
import { fence } from "./fence.js";
import { createPartitionProducer, transactionalId } from "./partition-producer.js";
import { type ConsumerControl, OutcomeCounts, type PartitionTask } from "./partition-task.js";
import { ChangelogRestore, RestoreCancelled } from "./restore.js";
import type { Committed, StateStore } from "./state-store.js";

/** Settings of {@link DurableStore}. */
export interface DurableStoreOptions {
  readonly groupId: string;
  /** Where a partition with neither state nor a committed offset starts: its first record, or its end. */
  readonly fromBeginning: boolean;
  readonly seriesLimit: number;
  readonly transactionTimeoutMs: number;
  readonly deadLetterTemplate: string | undefined;
}

/** What the store reports; `SelfMetrics` implements it. */
export interface DurableStoreTelemetry {
  recordRestore(seconds: number, records: number): void;
  recordDeadLetters(topic: string, count: number): void;
}

/**
 * State in a compacted changelog per input topic (`STATE_MODE=durable`),
 * committed with the input offsets in one transaction per partition, in the
 * manner of Kafka Streams' exactly-once state stores.
 */
export class DurableStore implements StateStore {
  readonly commitsOffsets = true;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly control: ConsumerControl,
    private readonly models: ReadonlyMap<string, StreamModel>,
    private readonly options: DurableStoreOptions,
    private readonly telemetry: DurableStoreTelemetry,
  ) {}

  /**
   * Fence, then restore: the partition's producer claims its transactional
   * id first (so no older owner can still commit), then the changelog
   * partition is read to its last stable offset through the group's own
   * consumer (which holds it paused otherwise).
   */
  async open(task: PartitionTask, current: () => boolean): Promise<PartitionState> {
    await this.close(task);
    const changelog = task.changelog as string;
    task.producer = createPartitionProducer(
      this.kafka,
      transactionalId(this.options.groupId, task.topic, task.partition),
      this.options.transactionTimeoutMs,
    );
    task.detail = "fencing";
    await fence(task.producer);
    const bounds = (await this.admin.fetchTopicOffsets(changelog)).find(
      (p) => p.partition === task.partition,
    );
    if (bounds === undefined) throw new Error(`changelog ${changelog} has no partition ${task.partition}`);
    if (!current()) throw new RestoreCancelled("superseded");
    const state = new PartitionState(
      task.topic,
      task.partition,
      this.models.get(task.stream) as StreamModel,
      {
        seriesLimit: this.options.seriesLimit,
      },
    );
    const started = performance.now();
    if (BigInt(bounds.high) > BigInt(bounds.low)) {
      task.phase = "restoring";
      task.detail = `restoring from ${changelog} offsets ${bounds.low} to ${bounds.high}`;
      const restore = new ChangelogRestore(state, bounds.low, bounds.high);
      task.restore = restore;
      this.control.seek(changelog, task.partition, bounds.low);
      this.control.resume(changelog, task.partition, "state-idle");
      try {
        await restore.done;
      } finally {
        this.control.pause(changelog, task.partition, "state-idle");
        if (task.restore === restore) task.restore = undefined;
      }
      this.telemetry.recordRestore((performance.now() - started) / 1000, restore.records);
    }
    state.finishRestore();
    if (state.nextOffset === undefined) state.advance(await this.startOffset(task), 0);
    return state;
  }

  /**
   * Where a partition without state starts: the group's committed offset (a
   * group that ran in memory mode before), else the partition's start or end.
   * Decided here, not left to the consumer, whose position may already have
   * moved past records an earlier attempt applied and then lost.
   */
  private async startOffset(task: PartitionTask): Promise<string> {
    const [committed] = await this.admin.fetchOffsets({
      groupId: this.options.groupId,
      topics: [task.topic],
    });
    const offset = committed?.partitions.find((p) => p.partition === task.partition)?.offset;
    if (offset !== undefined && BigInt(offset) >= 0n) return offset;
    const bounds = (await this.admin.fetchTopicOffsets(task.topic)).find(
      (p) => p.partition === task.partition,
    );
    if (bounds === undefined) throw new Error(`topic ${task.topic} has no partition ${task.partition}`);
    return this.options.fromBeginning ? bounds.low : bounds.high;
  }

  async commit(task: PartitionTask, state: PartitionState): Promise<Committed> {
    const snapshot = state.snapshot();
    const deadLetters = task.outbox.splice(0);
    const outcomes = task.outcomes;
    task.outcomes = new OutcomeCounts();
    if (snapshot.nextOffset === undefined) return { records: snapshot.publish(), outcomes };
    const deadLettersByTopic = await commitPartition(task.producer as NonNullable<typeof task.producer>, {
      groupId: this.options.groupId,
      inputTopic: task.topic,
      partition: task.partition,
      changelogTopic: task.changelog as string,
      records: snapshot.records,
      deadLetters,
      deadLetterTemplate: this.options.deadLetterTemplate,
      nextOffset: snapshot.nextOffset,
    });
    for (const [topic, count] of deadLettersByTopic) this.telemetry.recordDeadLetters(topic, count);
    return { records: snapshot.publish(), outcomes };
  }

  async close(task: PartitionTask): Promise<void> {
    const producer = task.producer;
    task.producer = undefined;
    await producer?.disconnect().catch(() => {});
  }
}
