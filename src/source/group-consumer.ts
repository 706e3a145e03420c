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
  recordLag(topic: string, partition: number, lag: number): void;
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

/** Settings of {@link GroupConsumer}. */
export interface GroupConsumerOptions extends KafkaConnection {
  readonly groupId: string;
  /** Event topics, read from `fromBeginning` when the group has no offsets. */
  readonly topics: readonly string[];
  /** Topics always read from their start when assigned (state changelogs), kept paused until asked for. */
  readonly stateTopics: readonly string[];
  readonly fromBeginning: boolean;
  readonly fetchMaxBytesPerPartition: number;
  readonly fetchMaxBytes: number;
  readonly partitionsConcurrently: number;
  readonly sessionTimeoutMs: number;
  /** kafkajs commits resolved offsets itself (memory mode); off when offsets go in transactions. */
  readonly autoCommit: boolean;
  readonly assigner?: PartitionAssigner | undefined;
}

/** Why a partition is paused; it is fetched again only when no reason is left. */
export type PauseReason = "held" | "not-ready" | "state-idle" | "stopping";

const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * One member of a consumer group (kafkajs), and nothing else: it connects and
 * retries until the brokers and topics are there, hands every fetched batch
 * to the sink, resolves offsets up to where the sink got, pauses and seeks
 * partitions for the stages after it, and reports group events to the
 * listener. Which offsets are committed, and how, is not its business.
 */
export class GroupConsumer {
  private readonly consumer: Consumer;
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
    this.consumer = createKafka(options, logger).consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: options.fetchMaxBytesPerPartition,
      maxBytes: options.fetchMaxBytes,
      sessionTimeout: options.sessionTimeoutMs,
      // a third of the session (kafkajs's default 3 s for its default 30 s): two heartbeats may be lost
      heartbeatInterval: Math.min(3_000, Math.floor(options.sessionTimeoutMs / 3)),
      // Kafka's own fetch.max.wait.ms: kafkajs sleeps this long when every partition is paused, which a
      // resumed partition (a restore, the end of a hold) waits out before its first fetch
      maxWaitTimeInMs: 500,
      // read_committed: records of aborted transactions are never counted
      readUncommitted: false,
      ...(options.assigner ? { partitionAssigners: [options.assigner] } : {}),
    });
    this.watchLifecycle();
  }

  /**
   * Starts connecting in the background and returns at once. Until the
   * brokers answer and the topics exist it retries with backoff (kafkajs alone
   * gives up after its retries, #1721), reporting why in `currentStatus()`.
   */
  start(): void {
    this.status.setMembership(false, "connecting");
    // kafkajs says nothing while it retries a lost broker; silence itself is the signal.
    this.livenessTimer = setInterval(() => this.status.evaluate(), 1_000).unref();
    this.running = this.connectUntilRunning();
  }

  /**
   * Stops fetching, waits for the batch in flight, runs `flush` while still a
   * member of the group (so nobody else owns the partitions yet), then leaves.
   */
  async stop(flush: () => Promise<void> = async () => {}): Promise<void> {
    this.stopping.abort();
    clearInterval(this.livenessTimer);
    await this.running;
    for (const [topic, partitions] of this.assignment) {
      for (const partition of partitions) this.pause(topic, partition, "stopping");
    }
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await flush();
    this.releaseHolds();
    this.status.setMembership(false, "stopping");
    await this.consumer.disconnect();
    this.logger.info({ event: "consumer_stopped" }, "consumer stopped and left the group");
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
    if (reasons.size === 0) this.whenRunning(() => this.consumer.pause([{ topic, partitions: [partition] }]));
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
    this.whenRunning(() => this.consumer.resume([{ topic, partitions: [partition] }]));
  }

  /** The next fetch of the partition starts at `offset`; batches fetched before are stale. */
  seek(topic: string, partition: number, offset: string): void {
    this.whenRunning(() => this.consumer.seek({ topic, partition, offset }));
  }

  /**
   * Runs a kafkajs call that needs a running consumer. Before `run()` (or
   * while kafkajs restarts it) there is nothing to pause or seek: the
   * partitions are paused and positioned again at the next join.
   */
  private whenRunning(call: () => void): void {
    try {
      call();
    } catch (error) {
      if (!/consumer#run must be called first/.test((error as Error).message)) throw error;
    }
  }

  private async connectUntilRunning(): Promise<void> {
    const backoff = dependencyBackoff();
    while (!this.stopping.signal.aborted) {
      try {
        await this.consumer.connect();
        await this.consumer.subscribe({
          topics: [...this.options.topics],
          fromBeginning: this.options.fromBeginning,
        });
        if (this.options.stateTopics.length > 0) {
          await this.consumer.subscribe({ topics: [...this.options.stateTopics], fromBeginning: true });
        }
        await this.consumer.run({
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
      if (this.options.topics.includes(batch.topic)) {
        this.telemetry.recordLag(batch.topic, batch.partition, Number(batch.offsetLag()));
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

  private watchLifecycle(): void {
    const { events } = this.consumer;
    const log = this.logger;
    this.consumer.on(events.CONNECT, () => {
      log.info({ event: "connected", brokers: this.options.brokers }, "connected to Kafka");
    });
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.assignment = new Map(Object.entries(payload.memberAssignment));
      this.releaseHolds();
      this.listener.onAssigned(this.assignment);
      this.telemetry.recordGroupJoin(
        new Map(this.options.topics.map((topic) => [topic, this.assignment.get(topic) ?? []])),
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
    this.consumer.on(events.REBALANCING, ({ payload }) => {
      this.releaseHolds();
      this.listener.onRebalancing();
      this.status.setMembership(false, "rebalancing");
      log.info(
        { event: "rebalancing", groupId: payload.groupId },
        "group is rebalancing; partitions revoked",
      );
    });
    this.consumer.on(events.HEARTBEAT, () => {
      this.status.proveMembership();
      this.status.evaluate();
      this.listener.onMembershipProven();
    });
    this.consumer.on(events.END_BATCH_PROCESS, ({ payload }) => {
      this.listener.onPosition(
        payload.topic,
        payload.partition,
        (BigInt(payload.lastOffset) + 1n).toString(),
      );
    });
    this.consumer.on(events.COMMIT_OFFSETS, () => {
      this.telemetry.recordCommit(Date.now());
      this.status.contact();
    });
    this.consumer.on(events.FETCH, () => this.status.contact());
    this.consumer.on(events.DISCONNECT, () => {
      this.status.setMembership(false, "disconnected");
      log.info({ event: "disconnected" }, "disconnected from Kafka");
    });
    this.consumer.on(events.STOP, () => {
      log.info({ event: "stopped" }, "consumer stopped");
    });
    this.consumer.on(events.CRASH, ({ payload }) => {
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
