import type { Admin, Kafka } from "kafkajs";
import { PartitionState } from "../aggregate/partition-state.js";
import type { StreamModel } from "../aggregate/stream-model.js";
import { deadLetterBatches } from "../dead-letter/dead-letter-batches.js";
import type { DeadLetterLimits } from "../dead-letter/dead-letter-limits.js";
import { commitPartition } from "./commit.js";
import { fence } from "./fence.js";
import { RecentBrokerErrors } from "./kafka-errors.js";
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
  /** Dead letters written with their payload cut to fit their topic. */
  recordDeadLettersCut(topic: string, count: number): void;
}

/**
 * State in a compacted changelog per input topic (`STATE_MODE=durable`),
 * committed with the input offsets in one transaction per partition, in the
 * manner of Kafka Streams' exactly-once state stores.
 */
export class DurableStore implements StateStore {
  readonly commitsOffsets = true;

  constructor(
    /** A Kafka client for one partition's producer; what its brokers answered goes to `errors`. */
    private readonly kafkaFor: (errors: RecentBrokerErrors) => Kafka,
    private readonly admin: Admin,
    private readonly control: ConsumerControl,
    private readonly models: ReadonlyMap<string, StreamModel>,
    private readonly options: DurableStoreOptions,
    private readonly telemetry: DurableStoreTelemetry,
    private readonly deadLetterLimits: DeadLetterLimits,
  ) {}

  /**
   * Fence, then restore: the partition's producer claims its transactional
   * id first (so no older owner can still commit), then the changelog
   * partition is read to its last stable offset through the group's own
   * consumer (which holds it paused otherwise). Opens of one partition fence
   * one after another, and only the current one keeps its producer: an open
   * a newer one superseded closes its own, so it neither leaks a connection
   * nor fences the newer producer after it claimed the id.
   */
  async open(task: PartitionTask, current: () => boolean): Promise<PartitionState> {
    const previous = task.fencing;
    let fenced!: () => void;
    task.fencing = new Promise<void>((resolve) => {
      fenced = resolve;
    });
    try {
      await previous;
      await this.close(task);
      if (!current()) throw new RestoreCancelled("superseded");
      const errors = new RecentBrokerErrors();
      task.brokerErrors = errors;
      const producer = createPartitionProducer(
        this.kafkaFor(errors),
        transactionalId(this.options.groupId, task.topic, task.partition),
        this.options.transactionTimeoutMs,
      );
      task.detail = "fencing";
      try {
        await fence(producer);
        if (!current()) throw new RestoreCancelled("superseded");
      } catch (error) {
        await producer.disconnect().catch(() => {});
        throw error;
      }
      task.producer = producer;
    } finally {
      fenced();
    }
    return await this.restore(task, current);
  }

  private async restore(task: PartitionTask, current: () => boolean): Promise<PartitionState> {
    const changelog = task.changelog as string;
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
    // The changes, the rejects and the offset are taken together, in one synchronous step.
    const snapshot = state.snapshot();
    const rejects = task.takeOutbox();
    const outcomes = task.outcomes;
    task.outcomes = new OutcomeCounts();
    if (snapshot.nextOffset === undefined) return { records: snapshot.publish(), outcomes };
    const template = this.options.deadLetterTemplate;
    const deadLetters =
      template === undefined || rejects.length === 0
        ? undefined
        : await deadLetterBatches(rejects, template, (topic) => this.deadLetterLimits.maxMessageBytes(topic));
    await commitPartition(task.producer as NonNullable<typeof task.producer>, {
      groupId: this.options.groupId,
      inputTopic: task.topic,
      partition: task.partition,
      changelogTopic: task.changelog as string,
      records: snapshot.records,
      deadLetters,
      nextOffset: snapshot.nextOffset,
    });
    for (const [topic, count] of deadLetters?.counts ?? []) this.telemetry.recordDeadLetters(topic, count);
    for (const [topic, count] of deadLetters?.cut ?? []) this.telemetry.recordDeadLettersCut(topic, count);
    return { records: snapshot.publish(), outcomes };
  }

  async close(task: PartitionTask): Promise<void> {
    const producer = task.producer;
    task.producer = undefined;
    await producer?.disconnect().catch(() => {});
  }
}
