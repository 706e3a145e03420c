import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { REJECT_REASONS, type RejectReason, type SkipReason } from "../events/reject-reason.js";
import type { PartitionLag } from "./shown-lag.js";

/** What the self metrics read at scrape time: where the partition lifecycle stands, and the lag. */
export interface StatePositions {
  positions(): readonly { topic: string; partition: number; nextOffset: string }[];
  restoring(): number;
  lags(): readonly PartitionLag[];
}

/** Counts the status page shows, read from the self metrics. */
export interface StatusCounts {
  readonly consumed: number;
  readonly committed: readonly { topic: string; count: number }[];
  readonly invalid: readonly { topic: string; reason: string; count: number }[];
  readonly skipped: number;
  readonly lag: readonly { topic: string; partition: string; lag: number }[];
}

/**
 * The aggregator's own metrics (`aggregator_*`), in a prom-client registry
 * passed in. Low cardinality by construction: labels are topics, partitions
 * and fixed reasons, never event data.
 */
export class SelfMetrics {
  private readonly consumed: Counter<"topic">;
  private readonly invalid: Counter<"topic" | "reason">;
  private readonly skipped: Counter<"topic" | "reason">;
  private readonly lag: Gauge<"topic" | "partition">;
  private readonly topicMissing: Gauge<"topic" | "stream">;
  private readonly rebalances: Counter;
  private readonly lastCommit: Gauge;
  private readonly assigned: Gauge;
  private readonly ready: Gauge;
  private readonly paused: Gauge;
  private readonly deadLetters: Counter<"topic">;
  private readonly deadLetterFailures: Counter;
  private readonly deadLettersCut: Counter<"topic">;
  private readonly committed: Counter<"topic">;
  private readonly stateCommits: Counter<"result">;
  private readonly restores: Histogram;

  constructor(
    registry: Registry,
    topics: readonly string[],
    version: string,
    state: () => StatePositions | undefined = () => undefined,
  ) {
    const registers = [registry];
    new Gauge({
      name: "aggregator_build_info",
      help: "Always 1; labels give the running version.",
      labelNames: ["version"],
      registers,
    }).set({ version }, 1);
    this.consumed = new Counter({
      name: "aggregator_events_consumed_total",
      help: "Kafka records read, valid or not, per topic.",
      labelNames: ["topic"],
      registers,
    });
    this.invalid = new Counter({
      name: "aggregator_events_invalid_total",
      help: "Records rejected (not counted in any metric), per topic and reason; counted once their offsets are committed.",
      labelNames: ["topic", "reason"],
      registers,
    });
    this.skipped = new Counter({
      name: "aggregator_events_skipped_total",
      help: "Records that carry no event by design (tombstones, empty values), per topic and reason.",
      labelNames: ["topic", "reason"],
      registers,
    });
    this.lag = new Gauge({
      name: "aggregator_consumer_lag",
      help: "Per event-topic partition this replica owns: records in Kafka (up to the high watermark) that what /metrics shows does not include yet; grows while a partition's commits fail.",
      labelNames: ["topic", "partition"],
      registers,
      collect() {
        this.reset();
        for (const l of state()?.lags() ?? [])
          this.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
      },
    });
    this.topicMissing = new Gauge({
      name: "aggregator_topic_missing",
      help: "1 while the event topic of a catalogue stream does not exist (the stream is consumed as soon as it is created), else 0.",
      labelNames: ["topic", "stream"],
      registers,
    });
    this.rebalances = new Counter({
      name: "aggregator_rebalances_total",
      help: "Consumer group joins (the first one and every rebalance).",
      registers,
    });
    this.lastCommit = new Gauge({
      name: "aggregator_last_commit_timestamp_seconds",
      help: "When offsets were last committed to Kafka (with the state, in durable mode), in Unix seconds.",
      registers,
    });
    this.assigned = new Gauge({
      name: "aggregator_assigned_partitions",
      help: "Partitions this member of the group consumes.",
      registers,
    });
    this.ready = new Gauge({
      name: "aggregator_ready",
      help: "1 while connected to Kafka and a member of the consumer group, else 0.",
      registers,
    });
    this.paused = new Gauge({
      name: "aggregator_partitions_paused",
      help: "Partitions paused while a dependency (the schema registry) is down; they resume where they stopped.",
      registers,
    });
    this.deadLetters = new Counter({
      name: "aggregator_dead_letters_total",
      help: "Rejected records written to a dead-letter topic and acknowledged, per dead-letter topic.",
      labelNames: ["topic"],
      registers,
    });
    this.deadLettersCut = new Counter({
      name: "aggregator_dead_letters_truncated_total",
      help: "Dead letters written with their payload cut to fit the dead-letter topic's max.message.bytes (headers dlq.truncated, dlq.original.size), per dead-letter topic.",
      labelNames: ["topic"],
      registers,
    });
    this.deadLetterFailures = new Counter({
      name: "aggregator_dead_letter_failures_total",
      help: "Failed writes to the dead-letter topic; the partition waits and retries, nothing is committed past the reject.",
      registers,
    });
    this.committed = new Counter({
      name: "aggregator_events_committed_total",
      help: "Kafka records whose effect /metrics shows, per topic: committed to the state changelog (durable mode) or applied (memory mode).",
      labelNames: ["topic"],
      registers,
    });
    this.stateCommits = new Counter({
      name: "aggregator_state_commits_total",
      help: "Partition state commits (one Kafka transaction each), by result; a failed one drops the partition's state, which is restored again.",
      labelNames: ["result"],
      registers,
    });
    this.restores = new Histogram({
      name: "aggregator_state_restore_seconds",
      help: "Time to restore a partition's state from its changelog.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    new Gauge({
      name: "aggregator_state_next_offset",
      help: "Per input partition this replica owns: the state /metrics shows includes every record before this offset.",
      labelNames: ["topic", "partition"],
      registers,
      collect() {
        this.reset();
        for (const p of state()?.positions() ?? []) {
          this.set({ topic: p.topic, partition: String(p.partition) }, Number(p.nextOffset));
        }
      },
    });
    new Gauge({
      name: "aggregator_partitions_restoring",
      help: "Input partitions being fenced or restored from their changelog; their series are not shown meanwhile.",
      registers,
      collect() {
        this.set(state()?.restoring() ?? 0);
      },
    });
    for (const result of ["committed", "failed"]) this.stateCommits.inc({ result }, 0);
    // Zero series for every topic and reason so ratios and alerts see 0, not absence.
    for (const topic of topics) {
      this.consumed.inc({ topic }, 0);
      this.committed.inc({ topic }, 0);
      for (const reason of REJECT_REASONS) this.invalid.inc({ topic, reason }, 0);
    }
  }

  recordConsumed(topic: string, records: number): void {
    this.consumed.inc({ topic }, records);
  }

  recordOutcomes(
    topic: string,
    outcomes: { invalid: ReadonlyMap<RejectReason, number>; skipped: ReadonlyMap<SkipReason, number> },
  ): void {
    for (const [reason, count] of outcomes.invalid) this.invalid.inc({ topic, reason }, count);
    for (const [reason, count] of outcomes.skipped) this.skipped.inc({ topic, reason }, count);
  }

  recordTopicMissing(topic: string, stream: string, missing: boolean): void {
    this.topicMissing.set({ topic, stream }, missing ? 1 : 0);
  }

  recordGroupJoin(assigned: ReadonlyMap<string, readonly number[]>): void {
    this.rebalances.inc();
    this.assigned.set([...assigned.values()].reduce((sum, partitions) => sum + partitions.length, 0));
  }

  recordCommit(atMs: number): void {
    this.lastCommit.set(atMs / 1000);
  }

  recordReady(ready: boolean): void {
    this.ready.set(ready ? 1 : 0);
  }

  recordDeadLetters(topic: string, count: number): void {
    this.deadLetters.inc({ topic }, count);
  }

  recordDeadLettersCut(topic: string, count: number): void {
    this.deadLettersCut.inc({ topic }, count);
  }

  recordDeadLetterFailure(): void {
    this.deadLetterFailures.inc();
  }

  recordPaused(partitions: number): void {
    this.paused.set(partitions);
  }

  recordCommitted(topic: string, records: number): void {
    this.committed.inc({ topic }, records);
  }

  recordStateCommit(result: "committed" | "failed", atMs: number): void {
    this.stateCommits.inc({ result });
    if (result === "committed") this.lastCommit.set(atMs / 1000);
  }

  recordRestore(seconds: number): void {
    this.restores.observe(seconds);
  }

  /** The counts the status page shows. */
  async statusCounts(): Promise<StatusCounts> {
    const sum = (values: readonly { value: number }[]) => values.reduce((total, v) => total + v.value, 0);
    const consumed = await this.consumed.get();
    const committed = await this.committed.get();
    const invalid = await this.invalid.get();
    const skipped = await this.skipped.get();
    const lag = await this.lag.get();
    return {
      consumed: sum(consumed.values),
      committed: committed.values.map((v) => ({ topic: String(v.labels.topic), count: v.value })),
      invalid: invalid.values
        .filter((v) => v.value > 0)
        .map((v) => ({ topic: String(v.labels.topic), reason: String(v.labels.reason), count: v.value })),
      skipped: sum(skipped.values),
      lag: lag.values
        .map((v) => ({ topic: String(v.labels.topic), partition: String(v.labels.partition), lag: v.value }))
        .sort((a, b) => a.topic.localeCompare(b.topic) || Number(a.partition) - Number(b.partition)),
    };
  }
}
