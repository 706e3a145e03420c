import type { Admin, Kafka } from "kafkajs";
import type { EventMapping } from "../aggregate/event-mappings.js";
import { PartitionState } from "../aggregate/partition-state.js";
import type { EventKind } from "../events/domain-event.js";
import { commitPartition } from "./commit.js";
import { fence } from "./fence.js";
import { createPartitionProducer, transactionalId } from "./partition-producer.js";
import type { ConsumerControl, PartitionTask } from "./partition-task.js";
import { ChangelogRestore, RestoreCancelled } from "./restore.js";
import type { StateStore } from "./state-store.js";

/** Settings of {@link DurableStore}. */
export interface DurableStoreOptions {
  readonly groupId: string;
  readonly seriesLimit: number;
  readonly transactionTimeoutMs: number;
  readonly deadLetterTemplate: string | undefined;
}

/** What a restore reports; `SelfMetrics` implements it. */
export interface RestoreTelemetry {
  recordRestore(seconds: number, records: number): void;
}

/**
 * State in a compacted changelog per input topic (`STATE_MODE=durable`),
 * committed with the input offsets in one transaction per partition, in the
 * manner of Kafka Streams' exactly-once state stores.
 */
export class DurableStore implements StateStore {
  readonly visibility = "committed";
  readonly commitsOffsets = true;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly control: ConsumerControl,
    private readonly mappings: { readonly [K in EventKind]: EventMapping },
    private readonly options: DurableStoreOptions,
    private readonly telemetry: RestoreTelemetry,
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
    const state = new PartitionState(task.topic, task.partition, this.mappings[task.kind], {
      seriesLimit: this.options.seriesLimit,
      visibility: "committed",
    });
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
    return state;
  }

  async commit(task: PartitionTask, state: PartitionState): Promise<number> {
    const snapshot = state.snapshot();
    const deadLetters = task.outbox.splice(0);
    if (snapshot.nextOffset === undefined) return snapshot.publish();
    await commitPartition(task.producer as NonNullable<typeof task.producer>, {
      groupId: this.options.groupId,
      inputTopic: task.topic,
      partition: task.partition,
      changelogTopic: task.changelog as string,
      records: snapshot.records,
      deadLetters,
      deadLetterTemplate: this.options.deadLetterTemplate,
      nextOffset: snapshot.nextOffset,
    });
    return snapshot.publish();
  }

  async close(task: PartitionTask): Promise<void> {
    const producer = task.producer;
    task.producer = undefined;
    await producer?.disconnect().catch(() => {});
  }
}
