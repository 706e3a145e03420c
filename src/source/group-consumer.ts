import { setTimeout as sleep } from "node:timers/promises";
import type { Consumer, EachBatchPayload, PartitionAssigner } from "kafkajs";
import type { Logger } from "pino";
import { dependencyBackoff } from "../util/backoff.js";
import type { ComponentStatus } from "../util/component-status.js";
import { ConsumerStatus } from "./consumer-status.js";
import { createKafka, type KafkaConnection } from "./kafka-connection.js";
import type { BatchOutcome, BatchSink } from "./record-batch.js";

/** What the consumer reports about itself; `SelfMetrics` implements it. */
export interface SourceTelemetry {
  /** The newest high watermark a fetch of an event-topic partition brought (for the lag). */
  recordHighWatermark(topic: string, partition: number, highWatermark: string): void;
  /** A join: the event-topic partitions now assigned (lag of the others is no longer this member's). */
  recordGroupJoin(assigned: ReadonlyMap<string, readonly number[]>): void;
  recordCommit(atMs: number): void;
  recordReady(ready: boolean): void;
  recordPaused(partitions: number): void;
}

/** Group events the next stage acts on; the partition lifecycle implements it. */
export interface GroupListener {
  /**
   * Called synchronously as kafkajs completes a join, before it fetches from
   * the new assignment: pause here what must not be fetched yet.
   */
  onAssigned(assignment: ReadonlyMap<string, readonly number[]>): void;
  /** The group started a rebalance: the assignment is about to be revoked. */
  onRebalancing(): void;
  /** The coordinator accepted a heartbeat: this member still owns its assignment. */
  onMembershipProven(): void;
  /** A partition's fetch position moved to `nextOffset`, also past records kafkajs filters out (control records, aborted transactions). */
  onPosition(topic: string, partition: number, nextOffset: string): void;
}

/** What the group consumer reads. */
export interface Subscription {
  /** Event topics, read from `fromBeginning` when the group has no offsets. */
  readonly topics: readonly string[];
  /** Topics always read from their start when assigned (state changelogs), kept paused until asked for. */
  readonly stateTopics: readonly string[];
}

/** Settings of {@link GroupConsumer}. */
export interface GroupConsumerOptions extends KafkaConnection {
  readonly groupId: string;
  readonly fromBeginning: boolean;
  readonly fetchMaxBytesPerPartition: number;
  readonly fetchMaxBytes: number;
  readonly partitionsConcurrently: number;
  readonly sessionTimeoutMs: number;
  /** kafkajs commits resolved offsets itself (memory mode); off when offsets go in transactions. */
  readonly autoCommit: boolean;
  /** The group's assignors, most preferred first. */
  readonly assigners: readonly PartitionAssigner[];
}

/** Why a partition is paused; it is fetched again only when no reason is left. */
export type PauseReason = "held" | "not-ready" | "state-idle" | "stopping";

const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * One member of a consumer group (kafkajs), and nothing else: it connects and
 * retries until the brokers answer, hands every fetched batch to the sink,
 * resolves offsets up to where the sink got, pauses and seeks partitions for
 * the stages after it, and reports group events to the listener. Which
 * offsets are committed, and how, is not its business. What it subscribes to
 * can change (an event topic created after the start): it then leaves the
 * group and joins again with the new subscription, since kafkajs cannot add
 * a topic to a running consumer.
 */
export class GroupConsumer {
  private consumer: Consumer | undefined;
  private subscription: Subscription = { topics: [], stateTopics: [] };
  private readonly status: ConsumerStatus;
  private livenessTimer: NodeJS.Timeout | undefined;
  private readonly stopping = new AbortController();
  private running: Promise<void> = Promise.resolve();
  private assignment: ReadonlyMap<string, readonly number[]> = new Map();
  private readonly pauses = new Map<string, Set<PauseReason>>();
  private readonly holds = new Map<string, NodeJS.Timeout>();
  private inFlight = 0;
  private drained: (() => void) | undefined;

  constructor(
    private readonly options: GroupConsumerOptions,
    private readonly sink: BatchSink,
    private readonly listener: GroupListener,
    private readonly telemetry: SourceTelemetry,
    private readonly logger: Logger,
    /** Called when the consumer crashed and kafkajs will not restart it: the process must not stay up idle. */
    private readonly onFatal: (error: Error) => void,
  ) {
    this.status = new ConsumerStatus(options.sessionTimeoutMs, logger, (s) => telemetry.recordReady(s.ready));
  }

  /**
   * Consumes `subscription` from now on, starting in the background and
   * returning at once. A member already consuming other topics first stops
   * fetching, runs `flush` while it still owns its partitions, and leaves the
   * group. Until the brokers answer it retries with backoff (kafkajs alone
   * gives up after its retries, #1721), saying why in `currentStatus()`.
   */
  async subscribe(subscription: Subscription, flush: () => Promise<void> = async () => {}): Promise<void> {
    const previous = this.consumer;
    if (previous) {
      this.status.setMembership(false, `joining again to consume ${subscription.topics.join(", ")}`);
      await this.running;
      await this.leave(previous, flush);
    }
    if (this.stopping.signal.aborted) return;
    this.subscription = subscription;
    const consumer = this.createConsumer();
    this.consumer = consumer;
    if (!previous) {
      this.status.setMembership(false, "connecting");
      // kafkajs says nothing while it retries a lost broker; silence itself is the signal.
      this.livenessTimer = setInterval(() => this.status.evaluate(), 1_000).unref();
    }
    this.running = this.connectUntilRunning(consumer);
  }

  /**
   * Stops fetching, waits for the batch in flight, runs `flush` while still a
   * member of the group (so nobody else owns the partitions yet), then leaves.
   */
  async stop(flush: () => Promise<void> = async () => {}): Promise<void> {
    this.stopping.abort();
    clearInterval(this.livenessTimer);
    await this.running;
    if (this.consumer) await this.leave(this.consumer, flush);
    this.status.setMembership(false, "stopping");
    this.logger.info({ event: "consumer_stopped" }, "consumer stopped and left the group");
  }

  /** Stops fetching every partition, waits for the batch in flight, runs `flush`, leaves the group. */
  private async leave(consumer: Consumer, flush: () => Promise<void>): Promise<void> {
    for (const [topic, partitions] of this.assignment) {
      for (const partition of partitions) this.pause(topic, partition, "stopping");
    }
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await flush();
    this.releaseHolds();
    await consumer.disconnect();
    this.pauses.clear();
    this.assignment = new Map();
  }

  /** Says why the consumer has not started yet. */
  waitFor(reason: string): void {
    this.status.setMembership(false, reason);
  }

  currentStatus(): ComponentStatus {
    return this.status.status();
  }

  /** True while this member may speak for its partitions (see {@link ConsumerStatus.leaseValid}). */
  leaseValid(): boolean {
    return this.status.leaseValid();
  }

  /** When the coordinator last confirmed this member (epoch ms). */
  get membershipProvenAt(): number {
    return this.status.lastProvenMs;
  }

  /** Stops fetching a partition for a reason; other reasons may hold it too. */
  pause(topic: string, partition: number, reason: PauseReason): void {
    const key = keyOf(topic, partition);
    const reasons = this.pauses.get(key) ?? new Set();
    if (reasons.size === 0)
      this.whenRunning((consumer) => consumer.pause([{ topic, partitions: [partition] }]));
    reasons.add(reason);
    this.pauses.set(key, reasons);
    if (reason === "held") this.telemetry.recordPaused(this.holds.size);
  }

  /** Takes back one reason; the partition is fetched again when none is left. */
  resume(topic: string, partition: number, reason: PauseReason): void {
    const key = keyOf(topic, partition);
    const reasons = this.pauses.get(key);
    if (!reasons?.delete(reason) || reasons.size > 0) return;
    this.pauses.delete(key);
    this.whenRunning((consumer) => consumer.resume([{ topic, partitions: [partition] }]));
  }

  /** The next fetch of the partition starts at `offset`; batches fetched before are stale. */
  seek(topic: string, partition: number, offset: string): void {
    this.whenRunning((consumer) => consumer.seek({ topic, partition, offset }));
  }

  /**
   * Runs a kafkajs call that needs a running consumer. Before `run()` (or
   * while kafkajs restarts it) there is nothing to pause or seek: the
   * partitions are paused and positioned again at the next join.
   */
  private whenRunning(call: (consumer: Consumer) => void): void {
    if (this.consumer === undefined) return;
    try {
      call(this.consumer);
    } catch (error) {
      if (!/consumer#run must be called first/.test((error as Error).message)) throw error;
    }
  }

  private createConsumer(): Consumer {
    const consumer = createKafka(this.options, this.logger).consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: this.options.fetchMaxBytesPerPartition,
      maxBytes: this.options.fetchMaxBytes,
      sessionTimeout: this.options.sessionTimeoutMs,
      // a third of the session (kafkajs's default 3 s for its default 30 s): two heartbeats may be lost
      heartbeatInterval: Math.min(3_000, Math.floor(this.options.sessionTimeoutMs / 3)),
      // Kafka's own fetch.max.wait.ms: kafkajs sleeps this long when every partition is paused, which a
      // resumed partition (a restore, the end of a hold) waits out before its first fetch
      maxWaitTimeInMs: 500,
      // read_committed: records of aborted transactions are never counted
      readUncommitted: false,
      partitionAssigners: [...this.options.assigners],
    });
    this.watchLifecycle(consumer);
    return consumer;
  }

  private async connectUntilRunning(consumer: Consumer): Promise<void> {
    const backoff = dependencyBackoff();
    const { topics, stateTopics } = this.subscription;
    while (!this.stopping.signal.aborted && this.consumer === consumer) {
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [...topics], fromBeginning: this.options.fromBeginning });
        if (stateTopics.length > 0)
          await consumer.subscribe({ topics: [...stateTopics], fromBeginning: true });
        await consumer.run({
          eachBatchAutoResolve: false,
          autoCommit: this.options.autoCommit,
          partitionsConsumedConcurrently: this.options.partitionsConcurrently,
          eachBatch: (payload) => this.handleBatch(payload),
        });
        return;
      } catch (error) {
        const message = (error as Error).message;
        const retryInMs = backoff.fail();
        this.status.setMembership(false, `cannot start consuming: ${message}`);
        this.logger.warn(
          { event: "connect_failed", error: message, retryInMs },
          "cannot start consuming; retrying",
        );
        await sleep(retryInMs, undefined, { signal: this.stopping.signal }).catch(() => {});
      }
    }
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isStale }: EachBatchPayload): Promise<void> {
    this.inFlight++;
    try {
      // Fetched before the partition was paused (held, being restored, stopping): not to be applied.
      if (this.pauses.has(keyOf(batch.topic, batch.partition))) return;
      const nextOffset = (BigInt(batch.lastOffset()) + 1n).toString();
      const outcome: BatchOutcome = await this.sink.handleBatch({
        topic: batch.topic,
        partition: batch.partition,
        records: batch.messages,
        nextOffset,
        isStale,
      });
      if (outcome.status === "done") resolveOffset(batch.lastOffset());
      else if (outcome.status === "held") {
        const next = BigInt(outcome.nextOffset);
        if (next > BigInt(batch.firstOffset() ?? outcome.nextOffset)) resolveOffset((next - 1n).toString());
        this.hold(batch.topic, batch.partition, outcome);
      }
      if (this.subscription.topics.includes(batch.topic)) {
        this.telemetry.recordHighWatermark(batch.topic, batch.partition, batch.highWatermark);
      }
      await heartbeat();
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  /**
   * Pauses a partition whose batch the sink held and resumes it after the
   * sink's backoff. kafkajs fetches a resumed partition from its resolved
   * offset, so the held record is delivered again. Other partitions keep flowing.
   */
  private hold(topic: string, partition: number, outcome: Extract<BatchOutcome, { status: "held" }>): void {
    const key = keyOf(topic, partition);
    this.logger.warn(
      {
        event: "partition_held",
        topic,
        partition,
        offset: outcome.nextOffset,
        retryInMs: outcome.retryAfterMs,
        reason: outcome.reason,
      },
      "partition paused until a dependency answers",
    );
    const timer = setTimeout(() => {
      this.holds.delete(key);
      this.resume(topic, partition, "held");
      this.telemetry.recordPaused(this.holds.size);
    }, outcome.retryAfterMs);
    this.holds.set(key, timer);
    this.pause(topic, partition, "held");
  }

  /** A rebalance or a stop ends every hold: the partition is positioned again when it is assigned. */
  private releaseHolds(): void {
    for (const [key, timer] of this.holds) {
      clearTimeout(timer);
      const at = key.lastIndexOf(":");
      this.resume(key.slice(0, at), Number(key.slice(at + 1)), "held");
    }
    this.holds.clear();
    this.telemetry.recordPaused(0);
  }

  /** Reports the group events of `consumer` while it is the current one (not one left for a new subscription). */
  private watchLifecycle(consumer: Consumer): void {
    const { events } = consumer;
    const log = this.logger;
    const current = () => this.consumer === consumer;
    // Registered through this, a listener hears only while `consumer` is the current one.
    const on = <E extends Parameters<Consumer["on"]>[0]>(
      event: E,
      listener: (event: Parameters<Parameters<Consumer["on"]>[1]>[0]) => void,
    ) =>
      consumer.on(
        event as never,
        (payload: Parameters<typeof listener>[0]) => current() && listener(payload),
      );
    on(events.CONNECT, () => {
      log.info({ event: "connected", brokers: this.options.brokers }, "connected to Kafka");
    });
    on(events.GROUP_JOIN, ({ payload }) => {
      this.assignment = new Map(Object.entries(payload.memberAssignment));
      this.releaseHolds();
      this.listener.onAssigned(this.assignment);
      this.telemetry.recordGroupJoin(
        new Map(this.subscription.topics.map((topic) => [topic, this.assignment.get(topic) ?? []])),
      );
      this.status.setMembership(true, `member of group ${payload.groupId}`);
      log.info(
        {
          event: "group_joined",
          groupId: payload.groupId,
          memberId: payload.memberId,
          assignment: payload.memberAssignment,
        },
        "joined the consumer group; partitions assigned",
      );
    });
    on(events.REBALANCING, ({ payload }) => {
      this.releaseHolds();
      this.listener.onRebalancing();
      this.status.setMembership(false, "rebalancing");
      log.info(
        { event: "rebalancing", groupId: payload.groupId },
        "group is rebalancing; partitions revoked",
      );
    });
    on(events.HEARTBEAT, () => {
      this.status.proveMembership();
      this.status.evaluate();
      this.listener.onMembershipProven();
    });
    on(events.END_BATCH_PROCESS, ({ payload }) => {
      this.listener.onPosition(
        payload.topic,
        payload.partition,
        (BigInt(payload.lastOffset) + 1n).toString(),
      );
    });
    on(events.COMMIT_OFFSETS, () => {
      this.telemetry.recordCommit(Date.now());
      this.status.contact();
    });
    on(events.FETCH, () => this.status.contact());
    on(events.DISCONNECT, () => {
      this.status.setMembership(false, "disconnected");
      log.info({ event: "disconnected" }, "disconnected from Kafka");
    });
    on(events.STOP, () => {
      log.info({ event: "stopped" }, "consumer stopped");
    });
    on(events.CRASH, ({ payload }) => {
      const { error, restart } = payload;
      this.status.setMembership(false, `crashed: ${error.message}${restart ? " (restarting)" : ""}`);
      log[restart ? "warn" : "error"](
        { event: "consumer_crash", error: error.message, errorName: error.name, restart },
        restart ? "consumer crashed; kafkajs restarts it" : "consumer crashed and will not restart",
      );
      if (!restart) this.onFatal(error);
    });
  }
}
