import type { Logger } from "pino";
import type { PartitionState } from "../aggregate/partition-state.js";
import type { EventPipeline } from "../pipeline/event-pipeline.js";
import type { TopicPartition } from "../source/copartitioned-assigner.js";
import type { GroupListener } from "../source/group-consumer.js";
import type { BatchOutcome, BatchSink, RecordBatch } from "../source/record-batch.js";
import { type ComponentStatus, notReady, ready } from "../util/component-status.js";
import { yieldToEventLoop } from "../util/yield-to-event-loop.js";
import { planAssignment } from "./assign.js";
import { type ConsumeMode, consumeBatch } from "./consume.js";
import { describeError, isFenced, type RecentBrokerErrors, remedy } from "./kafka-errors.js";
import { type ConsumerControl, OutcomeCounts, PartitionTask } from "./partition-task.js";
import { revokeTask } from "./revoke.js";
import { positionInput } from "./seek.js";
import type { StateStore } from "./state-store.js";

/**
 * Bytes of rejected records a partition holds for its next commit at most
 * (a few times what a commit writes in a second of a flood): past it the
 * partition commits before it applies more, so a producer flooding one
 * partition with bad records cannot grow the process without bound.
 */
const OUTBOX_LIMIT_BYTES = 8 * 1024 * 1024;

/** What the lifecycle reports; `SelfMetrics` implements it. */
export interface StateTelemetry {
  /** Records whose effect `/metrics` now shows. */
  recordCommitted(topic: string, records: number): void;
  /** Rejects and skips whose offsets are committed with the state (or shown, in memory mode). */
  recordOutcomes(topic: string, outcomes: OutcomeCounts): void;
  /** A transaction of durable state, committed or failed. */
  recordStateCommit(result: "committed" | "failed", atMs: number): void;
}

/** The group membership as the lifecycle needs it; the source's group consumer implements it. */
export interface Membership {
  /** True while the coordinator cannot yet have given this member's partitions to another. */
  leaseValid(): boolean;
  /** When the coordinator last confirmed this member (epoch ms). */
  readonly membershipProvenAt: number;
}

/** Settings of {@link PartitionTasks}. */
export interface PartitionTasksOptions {
  readonly groupId: string;
  /** Event topics and the catalogue stream each carries. */
  readonly streams: ReadonlyMap<string, string>;
  /** Each event topic's changelog (durable mode). */
  readonly changelogOf: ReadonlyMap<string, string>;
  readonly commitIntervalMs: number;
  /**
   * Runs after a partition's state is published (a commit, a restore), before
   * the records it covers are counted as shown: the exposition makes their
   * text.
   */
  readonly afterPublish?: () => Promise<void>;
  /** Series untouched for this long of their partition's record time are removed; 0: never. */
  readonly seriesTtlMs: number;
}

/**
 * The partition lifecycle, top to bottom, for every input partition this
 * replica owns: assign (`onAssigned`) → fence and restore (`open`, through
 * the state store) → seek (`positionInput`) → consume (`handleBatch`) →
 * commit (every interval, when a rebalance starts, at shutdown) → revoke.
 * A failed commit or open drops the partition's state (it is no longer
 * what Kafka holds) and opens it again once the coordinator has confirmed
 * this member still belongs to the group, so a zombie does not fence the
 * partition's rightful owner.
 */
export class PartitionTasks implements BatchSink, GroupListener {
  private readonly tasks = new Map<string, PartitionTask>();
  /** Tasks by their changelog partition (`topic:partition`), for restore batches. */
  private readonly byChangelog = new Map<string, PartitionTask>();
  private timer: NodeJS.Timeout | undefined;
  private lastExpiryMs = 0;
  private leaseValidAtRebalance = true;
  private stopped = false;
  /** Why consumption cannot start yet (durable mode: the changelog topics). */
  private setupProblem: string | undefined;

  constructor(
    private readonly options: PartitionTasksOptions,
    private readonly store: StateStore,
    private readonly control: ConsumerControl,
    private readonly membership: Membership,
    private readonly pipeline: EventPipeline,
    private readonly mode: ConsumeMode,
    private readonly telemetry: StateTelemetry,
    private readonly logger: Logger,
    /** What the brokers answered the state's clients lately (errors kafkajs does not pass on). */
    private readonly brokerErrors?: RecentBrokerErrors,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts the commit and housekeeping tick. */
  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.commitIntervalMs);
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
      if (restoring.restore === undefined) return { status: "ignored" };
      await restoring.restore.accept(batch.records, batch.nextOffset);
      return { status: "done" };
    }
    const task = this.tasks.get(key);
    if (task === undefined) return Promise.resolve({ status: "ignored" });
    // A flood of rejects fills the outbox faster than the interval commits it: commit now, before more.
    while (task.outboxBytes > OUTBOX_LIMIT_BYTES && task.phase === "active") await this.commit(task, true);
    const outcome = await consumeBatch(task, batch, this.pipeline, this.mode);
    // After a crash, the last of these lines per partition shows how far the state got (logs are synchronous).
    this.logger.debug(
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
    const plan = planAssignment(this.tasks, assignment, [...this.options.streams.keys()]);
    for (const task of plan.revoke) {
      this.tasks.delete(task.id);
      if (task.changelog) this.byChangelog.delete(`${task.changelog}:${task.partition}`);
      void revokeTask(task, this.store).then(() =>
        this.logger.info(
          { event: "partition_revoked", topic: task.topic, partition: task.partition },
          "partition revoked",
        ),
      );
    }
    // Memory mode has no fencing to tell a zombie: a member whose lease ran out may have missed a generation.
    const missedGeneration = !this.leaseValidAtRebalance;
    this.leaseValidAtRebalance = true;
    for (const { topic, partition } of plan.open) {
      const changelog = this.options.changelogOf.get(topic);
      const task = new PartitionTask(topic, partition, this.options.streams.get(topic) as string, changelog);
      this.tasks.set(task.id, task);
      if (changelog) this.byChangelog.set(`${changelog}:${partition}`, task);
      this.holdUntilReady(task);
      void this.open(task);
    }
    for (const task of plan.reopen) {
      this.holdUntilReady(task);
      void this.open(task);
    }
    for (const task of plan.keep) {
      this.holdUntilReady(task);
      void this.keep(task, missedGeneration);
    }
  }

  onRebalancing(): void {
    this.leaseValidAtRebalance = this.membership.leaseValid();
    // Commit on revocation: whatever this member applied becomes durable before another may own it.
    for (const task of this.tasks.values()) void this.commit(task);
  }

  onMembershipProven(): void {
    this.retryFailed();
  }

  onPosition(topic: string, partition: number, nextOffset: string): void {
    this.byChangelog.get(`${topic}:${partition}`)?.restore?.advanceTo(nextOffset);
  }

  /** The states `/metrics` shows for a stream: active partitions, while the membership lease holds. */
  shownStates(stream: string): PartitionState[] {
    if (!this.membership.leaseValid()) return [];
    const shown: PartitionState[] = [];
    for (const task of this.tasks.values()) {
      if (task.stream === stream && task.phase === "active" && task.state) shown.push(task.state);
    }
    return shown.sort((a, b) => a.partition - b.partition);
  }

  /** Active input partitions: the assigner's stickiness hint. */
  owned(): TopicPartition[] {
    return [...this.tasks.values()]
      .filter((task) => task.phase === "active")
      .map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Where each active partition's shown state stands. */
  positions(): { topic: string; partition: number; nextOffset: string }[] {
    const out: { topic: string; partition: number; nextOffset: string }[] = [];
    for (const task of this.tasks.values()) {
      const next = task.phase === "active" ? task.state?.shownNextOffset : undefined;
      if (next !== undefined) out.push({ topic: task.topic, partition: task.partition, nextOffset: next });
    }
    return out;
  }

  /**
   * Where what `/metrics` shows of a partition stands: the active state's
   * shown offset, or for a partition being opened again after a failure, the
   * last one shown (what the lag counts from).
   */
  shownOffset(topic: string, partition: number): string | undefined {
    const task = this.tasks.get(`${topic}:${partition}`);
    return (task?.phase === "active" ? task.state?.shownNextOffset : undefined) ?? task?.lastShownOffset;
  }

  /** Partitions being fenced or restored. */
  restoring(): number {
    return [...this.tasks.values()].filter((t) => t.phase === "opening" || t.phase === "restoring").length;
  }

  status(): ComponentStatus {
    if (this.setupProblem !== undefined) return notReady(this.setupProblem);
    const tasks = [...this.tasks.values()];
    const failed = tasks.find((task) => task.phase === "failed");
    if (failed) return notReady(`partition ${failed.id}: ${failed.detail}`);
    const opening = tasks.filter((task) => task.phase !== "active");
    if (opening.length > 0) {
      return notReady(
        `restoring ${opening.length} of ${tasks.length} partitions (${opening[0]?.id}: ${opening[0]?.detail})`,
      );
    }
    return ready(`${tasks.length} partitions ${this.store.commitsOffsets ? "restored" : "assigned"}`);
  }

  /** Before the consumer leaves the group to join again (with a new topic): commits every partition. */
  async commitAll(): Promise<void> {
    await Promise.all([...this.tasks.values()].map((task) => this.commit(task)));
  }

  /** Shutdown, while still a member of the group: commits every partition. */
  async flush(): Promise<void> {
    await Promise.all([...this.tasks.values()].map((task) => this.commit(task)));
    this.stopped = true;
  }

  /** Shutdown, after leaving the group: closes every partition's producer. */
  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([...this.tasks.values()].map((task) => revokeTask(task, this.store)));
    this.tasks.clear();
    this.byChangelog.clear();
  }

  private holdUntilReady(task: PartitionTask): void {
    this.control.pause(task.topic, task.partition, "not-ready");
    if (task.changelog) this.control.pause(task.changelog, task.partition, "state-idle");
  }

  /** Fence, restore, seek: the partition's state becomes what Kafka holds, and consumption resumes there. */
  private async open(task: PartitionTask): Promise<void> {
    const attempt = ++task.attempt;
    task.restore?.cancel();
    task.phase = "opening";
    task.detail = "opening";
    task.state = undefined;
    const current = () => task.attempt === attempt && !this.stopped;
    const started = this.now();
    try {
      const state = await this.store.open(task, current);
      if (!current()) return;
      task.state = state;
      task.phase = "active";
      task.detail = "active";
      task.backoff.reset();
      positionInput(this.control, task);
      void this.options.afterPublish?.();
      this.logger.info(
        {
          event: "partition_opened",
          topic: task.topic,
          partition: task.partition,
          nextOffset: state.nextOffset ?? null,
          series: state.tables.reduce((sum, table) => sum + table.size, 0),
          ms: this.now() - started,
        },
        "partition state ready; consuming",
      );
    } catch (error) {
      if (current()) this.fail(task, error, "open");
    }
  }

  /**
   * A partition this member owned before the rebalance and owns again. Its
   * state is still valid only if nobody owned it in between: in durable mode
   * a commit proves it (anyone else would have fenced the producer first).
   */
  private async keep(task: PartitionTask, missedGeneration: boolean): Promise<void> {
    if (this.store.commitsOffsets) {
      if (!(await this.commit(task, true))) return;
    } else if (missedGeneration) {
      void this.open(task);
      return;
    }
    if (task.phase === "active") positionInput(this.control, task);
  }

  /** Commits run one after another per partition; resolves whether this one succeeded. */
  private commit(task: PartitionTask, force = false): Promise<boolean> {
    const next = (task.committing ?? Promise.resolve(true)).then(() => this.commitNow(task, force));
    task.committing = next;
    void next.finally(() => {
      if (task.committing === next) task.committing = undefined;
    });
    return next;
  }

  private async commitNow(task: PartitionTask, force: boolean): Promise<boolean> {
    const state = task.state;
    if (state === undefined || task.phase !== "active") return false;
    if (!force && state.unchanged && task.outboxSize === 0) return true;
    const attempt = task.attempt;
    if (!force) {
      // The interval's commits of all partitions come due together: each takes its snapshot in a task
      // of its own, so they do not hold the event loop one after another.
      await yieldToEventLoop();
      if (task.state !== state || task.phase !== "active" || task.attempt !== attempt) return false;
    }
    // In memory mode a commit only shows the changes (no transaction): not a state commit to count.
    const durable = this.store.commitsOffsets;
    try {
      const committed = await this.store.commit(task, state);
      await this.options.afterPublish?.();
      this.telemetry.recordOutcomes(task.topic, committed.outcomes);
      this.telemetry.recordCommitted(task.topic, committed.records);
      if (durable) this.telemetry.recordStateCommit("committed", this.now());
      return true;
    } catch (error) {
      if (durable) this.telemetry.recordStateCommit("failed", this.now());
      if (task.attempt === attempt) this.fail(task, error, "commit");
      return false;
    }
  }

  /** Drops a partition's state and producer; it is opened again by {@link retryFailed}. */
  private fail(task: PartitionTask, error: unknown, stage: "open" | "commit"): void {
    task.attempt++;
    task.restore?.cancel();
    task.phase = "failed";
    task.lastShownOffset = task.state?.shownNextOffset ?? task.lastShownOffset;
    task.state = undefined;
    task.takeOutbox();
    task.outcomes = new OutcomeCounts();
    // What this partition's own producer heard from the brokers, not another partition's.
    const heard = task.brokerErrors ?? this.brokerErrors;
    const change = remedy(error, this.options.groupId, heard);
    task.detail = `${stage} failed: ${describeError(error, heard)}${change ? `: ${change}` : ""}`;
    task.failedAtMs = this.now();
    const retryInMs = task.backoff.fail();
    task.retryAtMs = task.failedAtMs + retryInMs;
    this.control.pause(task.topic, task.partition, "not-ready");
    this.logger.warn(
      {
        event: "partition_failed",
        topic: task.topic,
        partition: task.partition,
        stage,
        fenced: isFenced(error),
        error: task.detail,
        retryInMs,
      },
      "partition state dropped; it is restored again",
    );
    void this.store.close(task);
  }

  /** Opens failed partitions again once their backoff passed and the group confirmed this member since. */
  private retryFailed(): void {
    const now = this.now();
    for (const task of this.tasks.values()) {
      if (
        task.phase === "failed" &&
        now >= task.retryAtMs &&
        this.membership.membershipProvenAt > task.failedAtMs &&
        !this.stopped
      ) {
        void this.open(task);
      }
    }
  }

  private tick(): void {
    for (const task of this.tasks.values()) if (task.phase === "active") void this.commit(task);
    this.retryFailed();
    const ttl = this.options.seriesTtlMs;
    if (ttl > 0 && this.now() - this.lastExpiryMs >= Math.min(ttl / 4, 60_000)) {
      this.lastExpiryMs = this.now();
      for (const task of this.tasks.values()) if (task.phase === "active") task.state?.expire(ttl);
    }
  }
}
