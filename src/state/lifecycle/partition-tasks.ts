import type { Logger } from "pino";
import type { PartitionState } from "../../aggregate/partition-state.js";
import type { EventPipeline } from "../../pipeline/event-pipeline.js";
import type { TopicPartition } from "../../source/copartitioned-assigner.js";
import type { GroupListener } from "../../source/group-consumer.js";
import type { BatchOutcome, BatchSink, RecordBatch } from "../../source/record-batch.js";
import { type ComponentStatus, notReady } from "../../util/component-status.js";
import type { RecentBrokerErrors } from "../kafka-errors.js";
import type { StateStore } from "../store/state-store.js";
import { planAssignment, tasksStatus } from "./assignment-plan.js";
import { commitPartition } from "./commit-partition.js";
import { consumeBatch, type RejectRouting } from "./consume-batch.js";
import { type KeepPolicy, keepPartition } from "./keep-partition.js";
import type { ConsumerControl, LifecycleContext, Membership, StateTelemetry } from "./lifecycle-context.js";
import { openPartition } from "./open-partition.js";
import { PartitionTask } from "./partition-task.js";
import { revokePartition } from "./revoke-partition.js";

/**
 * Bytes of rejected records a partition holds for its next commit at most
 * (a few times what a commit writes in a second of a flood): past it the
 * partition commits before it applies more, so a producer flooding one
 * partition with bad records cannot grow the process without bound.
 */
const OUTBOX_LIMIT_BYTES = 8 * 1024 * 1024;

/** What {@link PartitionTasks} is made of; the processing mode supplies the store, the routing, the policy, the interval. */
export interface PartitionTasksParts {
  readonly groupId: string;
  /** Event topics and the catalogue stream each carries. */
  readonly streams: ReadonlyMap<string, string>;
  /** Each event topic's changelog (durable mode). */
  readonly changelogOf: ReadonlyMap<string, string>;
  readonly store: StateStore;
  readonly rejects: RejectRouting;
  readonly keep: KeepPolicy;
  /** How often each partition is committed (and shown). */
  readonly intervalMs: number;
  /** Series untouched for this long of their partition's record time are removed; 0: never. */
  readonly seriesTtlMs: number;
  readonly pipeline: EventPipeline;
  readonly telemetry: StateTelemetry;
  readonly logger: Logger;
  /** What the brokers answered the state's shared clients (the admin) lately. */
  readonly brokerErrors?: RecentBrokerErrors | undefined;
  readonly now?: () => number;
}

/**
 * The partition lifecycle, for every input partition this replica owns:
 * assign (`onAssigned`) → open (`open-partition.ts`: fence, restore, seek)
 * → consume (`handleBatch`) → commit (`commit-partition.ts`: every interval,
 * when a rebalance starts, at shutdown) → revoke. A failed commit or open
 * drops the partition's state and opens it again once the coordinator has
 * confirmed this member still belongs to the group, so a zombie does not
 * fence the partition's rightful owner. Each partition is a
 * {@link PartitionTask}, whose phases only it changes.
 *
 * The consumer and this call each other: the consumer is made with this as
 * its sink and listener, then given to {@link attach}.
 */
export class PartitionTasks implements BatchSink, GroupListener {
  private readonly tasks = new Map<string, PartitionTask>();
  /** Tasks by their changelog partition (`topic:partition`), for restore batches. */
  private readonly byChangelog = new Map<string, PartitionTask>();
  private consumer: (ConsumerControl & Membership) | undefined;
  private readonly context: LifecycleContext;
  private timer: NodeJS.Timeout | undefined;
  private lastExpiryMs = 0;
  private leaseValidAtRebalance = true;
  private stopped = false;
  /** Why consumption cannot start yet (durable mode: the changelog topics). */
  private setupProblem: string | undefined;
  private readonly now: () => number;

  constructor(
    private readonly parts: PartitionTasksParts,
    afterPublish: () => Promise<void>,
  ) {
    this.now = parts.now ?? Date.now;
    const control: ConsumerControl = {
      pause: (topic, partition, reason) => this.attached().pause(topic, partition, reason),
      resume: (topic, partition, reason) => this.attached().resume(topic, partition, reason),
      seek: (topic, partition, offset) => this.attached().seek(topic, partition, offset),
    };
    this.context = {
      groupId: parts.groupId,
      store: parts.store,
      control,
      telemetry: parts.telemetry,
      logger: parts.logger,
      brokerErrors: parts.brokerErrors,
      now: this.now,
      stopped: () => this.stopped,
      afterPublish,
    };
  }

  /** The consumer whose partitions these are: called once, before it joins its group. */
  attach(consumer: ConsumerControl & Membership): void {
    if (this.consumer) throw new Error("the partition lifecycle is attached to a consumer already");
    this.consumer = consumer;
  }

  /** Starts the commit and housekeeping tick. */
  start(): void {
    this.timer = setInterval(() => this.tick(), this.parts.intervalMs);
    this.timer.unref();
  }

  /** Reports why consumption cannot start (or `undefined` once it can). */
  setSetupProblem(problem: string | undefined): void {
    this.setupProblem = problem;
  }

  async handleBatch(batch: RecordBatch): Promise<BatchOutcome> {
    const key = `${batch.topic}:${batch.partition}`;
    const restoring = this.byChangelog.get(key);
    if (restoring !== undefined) {
      const restore = restoring.restore;
      if (restore === undefined) return { status: "ignored" };
      await restore.accept(batch.records, batch.nextOffset);
      return { status: "done" };
    }
    const task = this.tasks.get(key);
    if (task === undefined) return { status: "ignored" };
    // A flood of rejects fills the outbox faster than the interval commits it: commit now, before more.
    while (task.outboxBytes > OUTBOX_LIMIT_BYTES && task.state !== undefined) {
      await commitPartition(task, this.context, true);
    }
    const outcome = await consumeBatch(task, batch, this.parts.pipeline, this.parts.rejects);
    // After a crash, the last of these lines per partition shows how far the state got (logs are synchronous).
    this.parts.logger.debug(
      {
        event: "batch_applied",
        topic: batch.topic,
        partition: batch.partition,
        nextOffset: task.state?.nextOffset,
      },
      "batch applied",
    );
    return outcome;
  }

  onAssigned(assignment: ReadonlyMap<string, readonly number[]>): void {
    const plan = planAssignment(this.tasks, assignment, [...this.parts.streams.keys()]);
    for (const task of plan.revoke) {
      this.tasks.delete(task.id);
      if (task.changelog) this.byChangelog.delete(`${task.changelog}:${task.partition}`);
      void revokePartition(task).then(() =>
        this.parts.logger.info(
          { event: "partition_revoked", topic: task.topic, partition: task.partition },
          "partition revoked",
        ),
      );
    }
    // Without fencing (memory mode), a member whose lease ran out may have missed a generation.
    const missedGeneration = !this.leaseValidAtRebalance;
    this.leaseValidAtRebalance = true;
    for (const { topic, partition } of plan.open) {
      const changelog = this.parts.changelogOf.get(topic);
      const task = new PartitionTask(topic, partition, this.parts.streams.get(topic) as string, changelog);
      this.tasks.set(task.id, task);
      if (changelog) this.byChangelog.set(`${changelog}:${partition}`, task);
      this.holdUntilReady(task);
      void openPartition(task, this.context);
    }
    for (const task of plan.reopen) {
      this.holdUntilReady(task);
      void openPartition(task, this.context);
    }
    for (const task of plan.keep) {
      this.holdUntilReady(task);
      void keepPartition(task, this.parts.keep(missedGeneration), this.context);
    }
  }

  onRebalancing(): void {
    this.leaseValidAtRebalance = this.attached().leaseValid();
    // Commit on revocation: whatever this member applied becomes durable before another may own it.
    for (const task of this.tasks.values()) void commitPartition(task, this.context);
  }

  onMembershipProven(): void {
    this.retryFailed();
  }

  onPosition(topic: string, partition: number, nextOffset: string): void {
    this.byChangelog.get(`${topic}:${partition}`)?.restore?.advanceTo(nextOffset);
  }

  /** The states `/metrics` shows for a stream: consuming partitions, while the membership lease holds. */
  shownStates(stream: string): PartitionState[] {
    if (!this.consumer?.leaseValid()) return [];
    const shown: PartitionState[] = [];
    for (const task of this.tasks.values()) {
      const state = task.stream === stream ? task.state : undefined;
      if (state) shown.push(state);
    }
    return shown.sort((a, b) => a.partition - b.partition);
  }

  /** The owner epoch of each partition `shownStates` shows, once claimed. */
  ownerEpochs(): { stream: string; topic: string; partition: number; epoch: number }[] {
    if (!this.consumer?.leaseValid()) return [];
    const out: { stream: string; topic: string; partition: number; epoch: number }[] = [];
    for (const task of this.tasks.values()) {
      const epoch = task.state?.shownOwnerEpoch;
      if (epoch !== undefined)
        out.push({ stream: task.stream, topic: task.topic, partition: task.partition, epoch });
    }
    return out;
  }

  /** Consuming input partitions: the assigner's stickiness hint. */
  owned(): TopicPartition[] {
    const owned: TopicPartition[] = [];
    for (const task of this.tasks.values()) {
      if (task.state) owned.push({ topic: task.topic, partition: task.partition });
    }
    return owned;
  }

  /** Where each consuming partition's shown state stands. */
  positions(): { topic: string; partition: number; nextOffset: string }[] {
    const out: { topic: string; partition: number; nextOffset: string }[] = [];
    for (const task of this.tasks.values()) {
      const next = task.state?.shownNextOffset;
      if (next !== undefined) out.push({ topic: task.topic, partition: task.partition, nextOffset: next });
    }
    return out;
  }

  /** Where what `/metrics` shows of a partition stands: now, or when it was last shown (for its lag). */
  shownOffset(topic: string, partition: number): string | undefined {
    return this.tasks.get(`${topic}:${partition}`)?.shownOffset;
  }

  /** Partitions being opened (fenced, restored). */
  restoring(): number {
    let opening = 0;
    for (const task of this.tasks.values()) if (task.opening) opening++;
    return opening;
  }

  status(): ComponentStatus {
    return this.setupProblem !== undefined ? notReady(this.setupProblem) : tasksStatus(this.tasks.values());
  }

  /** Before the consumer leaves the group to join again (with a new topic): commits every partition. */
  async commitAll(): Promise<void> {
    await Promise.all([...this.tasks.values()].map((task) => commitPartition(task, this.context)));
  }

  /** Shutdown, while still a member of the group: commits every partition; nothing opens any more. */
  async flush(): Promise<void> {
    this.stopped = true;
    await this.commitAll();
  }

  /** Shutdown, after leaving the group: lets every partition go and closes its producer. */
  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([...this.tasks.values()].map((task) => revokePartition(task)));
    this.tasks.clear();
    this.byChangelog.clear();
  }

  private attached(): ConsumerControl & Membership {
    if (this.consumer === undefined) throw new Error("the partition lifecycle is not attached to a consumer");
    return this.consumer;
  }

  private holdUntilReady(task: PartitionTask): void {
    const control = this.context.control;
    control.pause(task.topic, task.partition, "not-ready");
    if (task.changelog) control.pause(task.changelog, task.partition, "state-idle");
  }

  /** Opens failed partitions again once their backoff passed and the group confirmed this member since. */
  private retryFailed(): void {
    const now = this.now();
    const provenAt = this.consumer?.membershipProvenAt ?? Number.NEGATIVE_INFINITY;
    for (const task of this.tasks.values()) {
      if (!this.stopped && task.retryDue(now, provenAt)) void openPartition(task, this.context);
    }
  }

  private tick(): void {
    for (const task of this.tasks.values()) if (task.state) void commitPartition(task, this.context);
    this.retryFailed();
    const ttl = this.parts.seriesTtlMs;
    if (ttl > 0 && this.now() - this.lastExpiryMs >= Math.min(ttl / 4, 60_000)) {
      this.lastExpiryMs = this.now();
      for (const task of this.tasks.values()) task.state?.expire(ttl);
    }
  }
}
