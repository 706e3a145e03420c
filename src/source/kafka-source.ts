import { setTimeout as sleep } from "node:timers/promises";
import type { Consumer, EachBatchPayload } from "kafkajs";
import type { Logger } from "pino";
import { createKafka, type KafkaConnection } from "./kafka-connection.js";
import type { BatchOutcome, BatchSink } from "./record-batch.js";

/** What the source reports about itself; `SelfMetrics` implements it. */
export interface SourceTelemetry {
  recordLag(topic: string, partition: number, lag: number): void;
  recordGroupJoin(partitions: number): void;
  recordCommit(atMs: number): void;
  recordReady(ready: boolean): void;
  recordPaused(partitions: number): void;
}

/** Longest a member may hear nothing from its broker and still be ready. */
const SILENCE_LIMIT_MS = 10_000;

/** Settings of {@link KafkaSource}. */
export interface KafkaSourceOptions extends KafkaConnection {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly fetchMaxBytesPerPartition: number;
  readonly fetchMaxBytes: number;
  readonly partitionsConcurrently: number;
  readonly sessionTimeoutMs: number;
}

/** Whether the consumer is connected and a member of its group, and why not. */
export interface SourceStatus {
  readonly ready: boolean;
  readonly detail: string;
}

/**
 * Consumes the event topics as one member of a consumer group and hands each
 * batch to the sink. Offsets are resolved and committed only after the sink
 * has applied the batch, so a crash replays at most the batch in flight.
 */
export class KafkaSource {
  private readonly consumer: Consumer;
  private status: SourceStatus = { ready: false, detail: "not started" };
  /** Group membership as kafkajs reports it, and why not when not. */
  private membership: SourceStatus = { ready: false, detail: "not started" };
  /** Last fetch, heartbeat, commit or join answered by a broker. */
  private lastContactMs = 0;
  private livenessTimer: NodeJS.Timeout | undefined;
  private readonly stopping = new AbortController();
  private starting: Promise<void> = Promise.resolve();
  /** Per `topic:partition`, the offset after the last processed batch: what a stop commits. */
  private readonly nextOffsets = new Map<string, string>();
  /** Partitions this source paused because the sink held a batch, with the timer that resumes each. */
  private readonly holds = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly options: KafkaSourceOptions,
    private readonly sink: BatchSink,
    private readonly telemetry: SourceTelemetry,
    private readonly logger: Logger,
    /** Called when the consumer crashed and kafkajs will not restart it: the process must not stay up idle. */
    private readonly onFatal: (error: Error) => void,
  ) {
    this.consumer = createKafka(options, logger).consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: options.fetchMaxBytesPerPartition,
      maxBytes: options.fetchMaxBytes,
      sessionTimeout: options.sessionTimeoutMs,
      // a third of the session (kafkajs's default 3 s for its default 30 s): two heartbeats may be lost
      heartbeatInterval: Math.min(3_000, Math.floor(options.sessionTimeoutMs / 3)),
      // read_committed: records of aborted transactions are never counted
      readUncommitted: false,
    });
    this.watchLifecycle();
  }

  /**
   * Starts connecting in the background and returns at once. Until the
   * brokers answer and the topics exist it retries with backoff (kafkajs alone
   * gives up after its retries, #1721), reporting why in `currentStatus()`.
   */
  start(): void {
    this.setStatus(false, "connecting");
    // kafkajs says nothing while it retries a lost broker; silence itself is the signal.
    this.livenessTimer = setInterval(() => this.evaluate(), 1_000).unref();
    this.starting = this.connectUntilRunning();
  }

  /** Stops fetching, lets the batch in flight finish and commit, and leaves the group. */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.livenessTimer);
    this.releaseHolds();
    await this.starting;
    this.setStatus(false, "stopping");
    await this.consumer.disconnect();
    this.logger.info(
      { event: "consumer_stopped", nextOffsets: Object.fromEntries(this.nextOffsets) },
      "consumer stopped; offsets of every processed batch committed",
    );
  }

  private async connectUntilRunning(): Promise<void> {
    let delayMs = 500;
    while (!this.stopping.signal.aborted) {
      try {
        await this.consumer.connect();
        await this.consumer.subscribe({
          topics: [...this.options.topics],
          fromBeginning: this.options.fromBeginning,
        });
        await this.consumer.run({
          eachBatchAutoResolve: false,
          autoCommit: true,
          partitionsConsumedConcurrently: this.options.partitionsConcurrently,
          eachBatch: (payload) => this.handleBatch(payload),
        });
        return;
      } catch (error) {
        const message = (error as Error).message;
        this.setStatus(false, `cannot start consuming: ${message}`);
        this.logger.warn(
          { event: "connect_failed", error: message, retryInMs: delayMs },
          "cannot start consuming; retrying",
        );
        await sleep(delayMs, undefined, { signal: this.stopping.signal }).catch(() => {});
        delayMs = Math.min(delayMs * 2, 30_000);
      }
    }
  }

  currentStatus(): SourceStatus {
    return this.status;
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, pause }: EachBatchPayload) {
    const key = `${batch.topic}:${batch.partition}`;
    // A batch fetched before the partition was held must not skip past the held record.
    if (this.holds.has(key)) return;
    const outcome: BatchOutcome =
      batch.messages.length > 0
        ? await this.sink.handleBatch({
            topic: batch.topic,
            partition: batch.partition,
            records: batch.messages,
          })
        : { status: "done" };
    if (outcome.status === "held") {
      const next = BigInt(outcome.nextOffset);
      if (next > BigInt(batch.firstOffset() ?? outcome.nextOffset)) resolveOffset((next - 1n).toString());
      this.nextOffsets.set(key, outcome.nextOffset);
      this.hold(batch.topic, batch.partition, outcome, pause());
    } else {
      resolveOffset(batch.lastOffset());
      this.nextOffsets.set(key, (BigInt(batch.lastOffset()) + 1n).toString());
    }
    // After a crash, the last of these lines per partition shows what was applied but maybe not committed.
    this.logger.debug(
      {
        event: "batch_applied",
        topic: batch.topic,
        partition: batch.partition,
        records: batch.messages.length,
        nextOffset: this.nextOffsets.get(key),
      },
      "batch applied; its offsets are committed next",
    );
    this.telemetry.recordLag(batch.topic, batch.partition, Number(batch.offsetLag()));
    // kafkajs commits the resolved offsets right after this handler returns (autoCommit), before the next batch.
    await heartbeat();
  }

  /**
   * Pauses a partition whose batch the sink held and resumes it after the
   * sink's backoff. kafkajs fetches a resumed partition from its resolved
   * offset, so the held record is delivered again, and nothing after it was
   * counted in between. Other partitions keep flowing.
   */
  private hold(
    topic: string,
    partition: number,
    outcome: Extract<BatchOutcome, { status: "held" }>,
    resume: () => void,
  ): void {
    const key = `${topic}:${partition}`;
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
      this.telemetry.recordPaused(this.holds.size);
      resume();
    }, outcome.retryAfterMs);
    this.holds.set(key, timer);
    this.telemetry.recordPaused(this.holds.size);
  }

  /** A rebalance or a stop ends every hold: the next owner starts from the committed offset. */
  private releaseHolds(): void {
    for (const timer of this.holds.values()) clearTimeout(timer);
    if (this.holds.size > 0) {
      this.consumer.resume(
        [...this.holds.keys()].map((key) => {
          const at = key.lastIndexOf(":");
          return { topic: key.slice(0, at), partitions: [Number(key.slice(at + 1))] };
        }),
      );
    }
    this.holds.clear();
    this.telemetry.recordPaused(0);
  }

  /** Records group membership as kafkajs reports it; readiness also needs a broker that answers. */
  private setStatus(member: boolean, detail: string): void {
    this.membership = { ready: member, detail };
    if (member) this.lastContactMs = Date.now();
    this.evaluate();
  }

  private contact(): void {
    this.lastContactMs = Date.now();
    this.evaluate();
  }

  /**
   * Ready means a member of the group whose broker answered within
   * {@link SILENCE_LIMIT_MS}: an idle consumer still fetches (long polls of at
   * most 5 s) and heartbeats (every 3 s), so silence means the broker is gone.
   */
  private evaluate(): void {
    const silentMs = Date.now() - this.lastContactMs;
    const next: SourceStatus = !this.membership.ready
      ? this.membership
      : silentMs > SILENCE_LIMIT_MS
        ? { ready: false, detail: `no answer from Kafka for ${Math.round(silentMs / 1000)} s` }
        : this.membership;
    if (next.ready !== this.status.ready && this.membership.ready) {
      this.logger[next.ready ? "info" : "warn"](
        { event: next.ready ? "kafka_answering" : "kafka_silent", silentMs },
        next.ready ? "Kafka answers again" : "Kafka stopped answering",
      );
    }
    if (next.ready !== this.status.ready || next.detail !== this.status.detail) {
      this.status = next;
      this.telemetry.recordReady(next.ready);
    }
  }

  private watchLifecycle(): void {
    const { events } = this.consumer;
    const log = this.logger;
    this.consumer.on(events.CONNECT, () => {
      log.info({ event: "connected", brokers: this.options.brokers }, "connected to Kafka");
    });
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      const assignment = payload.memberAssignment;
      const partitions = Object.values(assignment).reduce((sum, list) => sum + list.length, 0);
      this.telemetry.recordGroupJoin(partitions);
      this.setStatus(true, `member of group ${payload.groupId}`);
      log.info(
        { event: "group_joined", groupId: payload.groupId, memberId: payload.memberId, assignment },
        "joined the consumer group; partitions assigned",
      );
    });
    this.consumer.on(events.REBALANCING, ({ payload }) => {
      this.releaseHolds();
      this.setStatus(false, "rebalancing");
      log.info(
        { event: "rebalancing", groupId: payload.groupId },
        "group is rebalancing; partitions revoked",
      );
    });
    this.consumer.on(events.COMMIT_OFFSETS, () => {
      this.telemetry.recordCommit(Date.now());
      this.contact();
    });
    this.consumer.on(events.FETCH, () => this.contact());
    this.consumer.on(events.HEARTBEAT, () => this.contact());
    this.consumer.on(events.DISCONNECT, () => {
      this.setStatus(false, "disconnected");
      log.info({ event: "disconnected" }, "disconnected from Kafka");
    });
    this.consumer.on(events.STOP, () => {
      log.info({ event: "stopped" }, "consumer stopped");
    });
    this.consumer.on(events.CRASH, ({ payload }) => {
      const { error, restart } = payload;
      this.setStatus(false, `crashed: ${error.message}${restart ? " (restarting)" : ""}`);
      log[restart ? "warn" : "error"](
        { event: "consumer_crash", error: error.message, errorName: error.name, restart },
        restart ? "consumer crashed; kafkajs restarts it" : "consumer crashed and will not restart",
      );
      if (!restart) this.onFatal(error);
    });
  }
}
