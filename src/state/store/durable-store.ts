import type { Admin, Kafka } from "kafkajs";
import { PartitionState } from "../../aggregate/partition-state.js";
import type { StreamModel } from "../../aggregate/stream-model.js";
import type { DeadLetterLimits } from "../../dead-letter/dead-letter-limits.js";
import { ChangelogRestore, RestoreCancelled } from "../changelog/changelog-restore.js";
import { ChangelogWriter } from "../changelog/changelog-writer.js";
import { RecentBrokerErrors } from "../kafka-errors.js";
import { DurablePartition, type DurablePartitionTelemetry } from "./durable-partition.js";
import { fence } from "./fence.js";
import { createPartitionProducer, transactionalId } from "./partition-producer.js";
import type { OpenedPartition, OpenProgress, PartitionRef, StateStore } from "./state-store.js";

/**
 * Commits this owner's epoch (the restored one plus one) before the
 * partition is consumed, in a transaction of its own: an owner that shows
 * an epoch committed it while it held the transactional id, and the next
 * owner, which fenced it, restores that epoch and claims the next one. So
 * the epochs replicas show for a partition are all different, and the
 * newest owner's is the highest.
 */
async function claim(opened: DurablePartition, progress: OpenProgress): Promise<void> {
  if (!progress.current()) throw new RestoreCancelled("superseded");
  opened.state.claimOwnership();
  const snapshot = opened.state.snapshot();
  await opened.persist(snapshot, []);
  snapshot.publish();
}

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
export interface DurableStoreTelemetry extends DurablePartitionTelemetry {
  recordRestore(seconds: number): void;
}

/** What the durable store works with. */
export interface DurableStoreParts {
  /** A Kafka client for one partition's producer; what its brokers answer goes to `errors`. */
  readonly kafkaFor: (errors: RecentBrokerErrors) => Kafka;
  readonly admin: Admin;
  readonly models: ReadonlyMap<string, StreamModel>;
  readonly options: DurableStoreOptions;
  readonly telemetry: DurableStoreTelemetry;
  readonly deadLetterLimits: DeadLetterLimits;
}

/**
 * State in a compacted changelog per input topic (`STATE_MODE=durable`),
 * committed with the input offsets in one transaction per partition, in the
 * manner of Kafka Streams' exactly-once state stores.
 */
export class DurableStore implements StateStore {
  /** The open of each partition whose fence is in flight: the next open of it fences after. */
  private readonly fencing = new Map<string, Promise<void>>();

  constructor(private readonly parts: DurableStoreParts) {}

  /**
   * Fence, then restore: the partition's producer claims its transactional
   * id first (so no older owner can still commit), then the changelog
   * partition is read to its last stable offset. Opens of one partition
   * fence one after another, and only a current one keeps its producer: an
   * open a newer one superseded closes its own, so it neither leaks a
   * connection nor fences the newer producer after it claimed the id.
   */
  async open(partition: PartitionRef, progress: OpenProgress): Promise<OpenedPartition> {
    const { options } = this.parts;
    const key = `${partition.topic}:${partition.partition}`;
    const previous = this.fencing.get(key);
    let fenced!: () => void;
    const mine = new Promise<void>((resolve) => {
      fenced = resolve;
    });
    this.fencing.set(key, mine);
    const errors = new RecentBrokerErrors();
    let producer: ReturnType<typeof createPartitionProducer> | undefined;
    try {
      await previous;
      if (!progress.current()) throw new RestoreCancelled("superseded");
      progress.heardBy(errors);
      producer = createPartitionProducer(
        this.parts.kafkaFor(errors),
        transactionalId(options.groupId, partition.topic, partition.partition),
        options.transactionTimeoutMs,
      );
      await fence(producer);
      if (!progress.current()) throw new RestoreCancelled("superseded");
    } catch (error) {
      await producer?.disconnect().catch(() => {});
      throw error;
    } finally {
      fenced();
      if (this.fencing.get(key) === mine) this.fencing.delete(key);
    }
    try {
      const { state, writer } = await this.restore(partition, progress);
      const opened = new DurablePartition(producer, state, writer, partition, errors, this.parts);
      await claim(opened, progress);
      return opened;
    } catch (error) {
      await producer.disconnect().catch(() => {});
      throw error;
    }
  }

  /** Reads the changelog partition to its end into a new state; where the state starts when it has none. */
  private async restore(
    partition: PartitionRef,
    progress: OpenProgress,
  ): Promise<{ state: PartitionState; writer: ChangelogWriter }> {
    const { admin, models, options, telemetry } = this.parts;
    const changelog = partition.changelog as string;
    const bounds = (await admin.fetchTopicOffsets(changelog)).find(
      (p) => p.partition === partition.partition,
    );
    if (bounds === undefined)
      throw new Error(`changelog ${changelog} has no partition ${partition.partition}`);
    if (!progress.current()) throw new RestoreCancelled("superseded");
    const state = new PartitionState(
      partition.topic,
      partition.partition,
      models.get(partition.stream) as StreamModel,
      {
        seriesLimit: options.seriesLimit,
      },
    );
    let writer = new ChangelogWriter();
    if (BigInt(bounds.high) > BigInt(bounds.low)) {
      const started = performance.now();
      const restore = new ChangelogRestore(state, bounds.low, bounds.high);
      const detail = `restoring from ${changelog} offsets ${bounds.low} to ${bounds.high}`;
      await progress.restore(changelog, partition.partition, bounds.low, detail, restore);
      writer = new ChangelogWriter(restore.finish());
      telemetry.recordRestore((performance.now() - started) / 1000);
    } else state.finishRestore();
    if (state.nextOffset === undefined) state.advance(await this.startOffset(partition), 0);
    return { state, writer };
  }

  /**
   * Where a partition without state starts: the group's committed offset (a
   * group that ran in memory mode before), else the partition's start or end.
   * Decided here, not left to the consumer, whose position may already have
   * moved past records an earlier attempt applied and then lost.
   */
  private async startOffset(partition: PartitionRef): Promise<string> {
    const { admin, options } = this.parts;
    const [committed] = await admin.fetchOffsets({ groupId: options.groupId, topics: [partition.topic] });
    const offset = committed?.partitions.find((p) => p.partition === partition.partition)?.offset;
    if (offset !== undefined && BigInt(offset) >= 0n) return offset;
    const bounds = (await admin.fetchTopicOffsets(partition.topic)).find(
      (p) => p.partition === partition.partition,
    );
    if (bounds === undefined)
      throw new Error(`topic ${partition.topic} has no partition ${partition.partition}`);
    return options.fromBeginning ? bounds.low : bounds.high;
  }
}
