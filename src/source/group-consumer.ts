import { setTimeout as sleep } from "node:timers/promises";
import type { Consumer, EachBatchPayload } from "kafkajs";
import type { Logger } from "pino";
import { dependencyBackoff } from "../util/backoff.js";
import type { ComponentStatus } from "../util/component-status.js";
import type {
  ConsumerTargets,
  GroupConsumerOptions,
  PauseReason,
  Subscription,
} from "./consumer-contracts.js";
import { watchConsumerEvents } from "./consumer-events.js";
import { ConsumerStatus } from "./consumer-status.js";
import { createKafka } from "./kafka-connection.js";
import { PartitionPauses } from "./partition-pauses.js";
import type { BatchOutcome } from "./record-batch.js";

export type { GroupListener, SourceTelemetry, Subscription } from "./consumer-contracts.js";

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
  private readonly pauses: PartitionPauses;
  private inFlight = 0;
  private drained: (() => void) | undefined;

  constructor(
    private readonly options: GroupConsumerOptions,
    private readonly targets: ConsumerTargets,
    private readonly logger: Logger,
    /** Called when the consumer crashed and kafkajs will not restart it: the process must not stay up idle. */
    private readonly onFatal: (error: Error) => void,
  ) {
    this.status = new ConsumerStatus(options.sessionTimeoutMs, logger, (s) =>
      targets.telemetry.recordReady(s.ready),
    );
    this.pauses = new PartitionPauses(
      {
        pause: (topic, partition) =>
          this.whenRunning((consumer) => consumer.pause([{ topic, partitions: [partition] }])),
        resume: (topic, partition) =>
          this.whenRunning((consumer) => consumer.resume([{ topic, partitions: [partition] }])),
      },
      logger,
      (held) => targets.telemetry.recordPaused(held),
    );
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
    this.pauses.releaseHolds();
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
    this.pauses.pause(topic, partition, reason);
  }

  /** Takes back one reason; the partition is fetched again when none is left. */
  resume(topic: string, partition: number, reason: PauseReason): void {
    this.pauses.resume(topic, partition, reason);
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
    this.watchEvents(consumer);
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
      if (this.pauses.has(batch.topic, batch.partition)) return;
      const nextOffset = (BigInt(batch.lastOffset()) + 1n).toString();
      const outcome: BatchOutcome = await this.targets.sink.handleBatch({
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
        this.pauses.hold(batch.topic, batch.partition, outcome);
      }
      if (this.subscription.topics.includes(batch.topic)) {
        this.targets.telemetry.recordHighWatermark(batch.topic, batch.partition, batch.highWatermark);
      }
      await heartbeat();
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  /** Acts on the group events of `consumer` while it is the current one. */
  private watchEvents(consumer: Consumer): void {
    const { listener, telemetry } = this.targets;
    const status = this.status;
    watchConsumerEvents(
      consumer,
      () => this.consumer === consumer,
      {
        joined: (assignment, groupId) => {
          this.assignment = assignment;
          this.pauses.releaseHolds();
          listener.onAssigned(assignment);
          telemetry.recordGroupJoin(
            new Map(this.subscription.topics.map((topic) => [topic, assignment.get(topic) ?? []])),
          );
          status.setMembership(true, `member of group ${groupId}`);
        },
        rebalancing: () => {
          this.pauses.releaseHolds();
          listener.onRebalancing();
          status.setMembership(false, "rebalancing");
        },
        heartbeat: () => {
          status.proveMembership();
          status.evaluate();
          listener.onMembershipProven();
        },
        position: (topic, partition, nextOffset) => listener.onPosition(topic, partition, nextOffset),
        contact: (committed) => {
          if (committed) telemetry.recordCommit(Date.now());
          status.contact();
        },
        disconnected: () => status.setMembership(false, "disconnected"),
        crashed: (error, restart) => {
          status.setMembership(false, `crashed: ${error.message}${restart ? " (restarting)" : ""}`);
          if (!restart) this.onFatal(error);
        },
      },
      this.logger,
      this.options.brokers,
    );
  }
}
