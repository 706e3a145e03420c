import { Counter, Gauge, type Registry } from "prom-client";
import { REJECT_REASONS, type RejectReason, type SkipReason } from "../decode/reject-reason.js";

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
  private readonly rebalances: Counter;
  private readonly lastCommit: Gauge;
  private readonly assigned: Gauge;
  private readonly ready: Gauge;
  private readonly paused: Gauge;
  private readonly deadLetters: Counter<"topic">;
  private readonly deadLetterFailures: Counter;

  constructor(registry: Registry, topics: readonly string[], version: string) {
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
      help: "Records rejected (not counted in any metric), per topic and reason.",
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
      help: "Records behind the partition's high watermark after the last processed batch.",
      labelNames: ["topic", "partition"],
      registers,
    });
    this.rebalances = new Counter({
      name: "aggregator_rebalances_total",
      help: "Consumer group joins (the first one and every rebalance).",
      registers,
    });
    this.lastCommit = new Gauge({
      name: "aggregator_last_commit_timestamp_seconds",
      help: "When offsets were last committed to Kafka, in Unix seconds.",
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
    this.deadLetterFailures = new Counter({
      name: "aggregator_dead_letter_failures_total",
      help: "Failed writes to the dead-letter topic; the partition waits and retries, nothing is committed past the reject.",
      registers,
    });
    // Zero series for every topic and reason so ratios and alerts see 0, not absence.
    for (const topic of topics) {
      this.consumed.inc({ topic }, 0);
      for (const reason of REJECT_REASONS) this.invalid.inc({ topic, reason }, 0);
    }
  }

  recordConsumed(topic: string, records: number): void {
    this.consumed.inc({ topic }, records);
  }

  recordInvalid(topic: string, reason: RejectReason): void {
    this.invalid.inc({ topic, reason });
  }

  recordSkipped(topic: string, reason: SkipReason): void {
    this.skipped.inc({ topic, reason });
  }

  recordLag(topic: string, partition: number, lag: number): void {
    this.lag.set({ topic, partition: String(partition) }, lag);
  }

  recordGroupJoin(partitions: number): void {
    this.rebalances.inc();
    this.assigned.set(partitions);
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

  recordDeadLetterFailure(): void {
    this.deadLetterFailures.inc();
  }

  recordPaused(partitions: number): void {
    this.paused.set(partitions);
  }
}
