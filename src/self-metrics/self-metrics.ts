import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { REJECT_REASONS, type RejectReason, type SkipReason } from "../events/reject-reason.js";
import { SELF_METRICS } from "./self-metric-definitions.js";
import { type PartitionOffsets, ShownLag } from "./shown-lag.js";

/** What the self metrics read of the partition lifecycle at scrape time; attached once it exists. */
export interface StatePositions {
  positions(): readonly { topic: string; partition: number; nextOffset: string }[];
  restoring(): number;
  /** The owner epoch of each partition whose series `/metrics` shows, once claimed. */
  ownerEpochs(): readonly { stream: string; topic: string; partition: number; epoch: number }[];
  /** Where what `/metrics` shows of a partition stands: now, or when it was last shown. */
  shownOffset(topic: string, partition: number): string | undefined;
}

/** Counts the status page shows, read from the self metrics. */
export interface StatusCounts {
  readonly consumed: number;
  readonly committed: readonly { topic: string; count: number }[];
  readonly invalid: readonly { topic: string; reason: string; count: number }[];
  readonly skipped: number;
  readonly lag: readonly { topic: string; partition: string; lag: number }[];
}

type Metrics = { -readonly [K in keyof typeof SELF_METRICS]: Counter<string> & Gauge<string> };

/**
 * The aggregator's own metrics (`aggregator_*`, `SELF_METRICS`), in a
 * prom-client registry passed in, with the lag of what `/metrics` shows
 * (`shown-lag.ts`). Every part that reports implements its telemetry
 * interface through this.
 */
export class SelfMetrics {
  private readonly metrics: Metrics;
  private readonly restores: Histogram;
  private readonly lag: ShownLag;
  private state: StatePositions | undefined;

  constructor(registry: Registry, topics: readonly string[], version: string, offsets: PartitionOffsets) {
    const registers = [registry];
    this.lag = new ShownLag((topic, partition) => this.state?.shownOffset(topic, partition), offsets);
    new Gauge({
      name: "aggregator_build_info",
      help: "Always 1; labels give the running version.",
      labelNames: ["version"],
      registers,
    }).set({ version }, 1);
    const metrics: Partial<Metrics> = {};
    for (const [key, definition] of Object.entries(SELF_METRICS)) {
      const options = {
        name: definition.name,
        help: definition.help,
        labelNames: [...definition.labelNames],
        registers,
      };
      metrics[key as keyof Metrics] = (
        definition.type === "counter" ? new Counter(options) : new Gauge(options)
      ) as never;
      if (key === "skipped") this.lagGauge(registers);
    }
    this.metrics = metrics as Metrics;
    this.restores = new Histogram({
      name: "aggregator_state_restore_seconds",
      help: "Time to restore a partition's state from its changelog.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.positionGauges(registers);
    for (const result of ["committed", "failed"]) this.metrics.stateCommits.inc({ result }, 0);
    // Zero series for every topic and reason so ratios and alerts see 0, not absence.
    for (const topic of topics) {
      this.metrics.consumed.inc({ topic }, 0);
      this.metrics.committed.inc({ topic }, 0);
      for (const reason of REJECT_REASONS) this.metrics.invalid.inc({ topic, reason }, 0);
    }
  }

  /** Reads the lifecycle's positions from here on (the lifecycle reports through this, so it comes after). */
  attachState(state: StatePositions): void {
    this.state = state;
  }

  /** Reads the high watermarks of the assigned partitions from the brokers (every few seconds). */
  refreshLag(): Promise<void> {
    return this.lag.refresh();
  }

  recordConsumed(topic: string, records: number): void {
    this.metrics.consumed.inc({ topic }, records);
  }

  recordOutcomes(
    topic: string,
    outcomes: { invalid: ReadonlyMap<RejectReason, number>; skipped: ReadonlyMap<SkipReason, number> },
  ): void {
    for (const [reason, count] of outcomes.invalid) this.metrics.invalid.inc({ topic, reason }, count);
    for (const [reason, count] of outcomes.skipped) this.metrics.skipped.inc({ topic, reason }, count);
  }

  recordTopicMissing(topic: string, stream: string, missing: boolean): void {
    this.metrics.topicMissing.set({ topic, stream }, missing ? 1 : 0);
  }

  recordHighWatermark(topic: string, partition: number, highWatermark: string): void {
    this.lag.noteHighWatermark(topic, partition, highWatermark);
  }

  recordGroupJoin(assigned: ReadonlyMap<string, readonly number[]>): void {
    this.lag.setAssigned(assigned);
    this.metrics.rebalances.inc();
    let partitions = 0;
    for (const list of assigned.values()) partitions += list.length;
    this.metrics.assigned.set(partitions);
  }

  recordCommit(atMs: number): void {
    this.metrics.lastCommit.set(atMs / 1000);
  }

  recordReady(ready: boolean): void {
    this.metrics.ready.set(ready ? 1 : 0);
  }

  recordDeadLetters(topic: string, count: number): void {
    this.metrics.deadLetters.inc({ topic }, count);
  }

  recordDeadLettersCut(topic: string, count: number): void {
    this.metrics.deadLettersCut.inc({ topic }, count);
  }

  recordDeadLetterFailure(): void {
    this.metrics.deadLetterFailures.inc();
  }

  recordPaused(partitions: number): void {
    this.metrics.paused.set(partitions);
  }

  recordCommitted(topic: string, records: number): void {
    this.metrics.committed.inc({ topic }, records);
  }

  recordStateCommit(result: "committed" | "failed", atMs: number): void {
    this.metrics.stateCommits.inc({ result });
    if (result === "committed") this.metrics.lastCommit.set(atMs / 1000);
  }

  recordRestore(seconds: number): void {
    this.restores.observe(seconds);
  }

  /** The counts the status page shows. */
  async statusCounts(): Promise<StatusCounts> {
    const sum = (values: readonly { value: number }[]) => values.reduce((total, v) => total + v.value, 0);
    const { consumed, committed, invalid, skipped } = this.metrics;
    return {
      consumed: sum((await consumed.get()).values),
      committed: (await committed.get()).values.map((v) => ({
        topic: String(v.labels.topic),
        count: v.value,
      })),
      invalid: (await invalid.get()).values
        .filter((v) => v.value > 0)
        .map((v) => ({ topic: String(v.labels.topic), reason: String(v.labels.reason), count: v.value })),
      skipped: sum((await skipped.get()).values),
      lag: this.lag
        .lags()
        .map((l) => ({ topic: l.topic, partition: String(l.partition), lag: l.lag }))
        .sort((a, b) => a.topic.localeCompare(b.topic) || Number(a.partition) - Number(b.partition)),
    };
  }

  /** `aggregator_consumer_lag`, computed at each scrape. */
  private lagGauge(registers: Registry[]): void {
    const lag = this.lag;
    new Gauge({
      name: "aggregator_consumer_lag",
      help: "Per event-topic partition this replica owns: records in Kafka (up to the high watermark) that what /metrics shows does not include yet; grows while a partition's commits fail.",
      labelNames: ["topic", "partition"],
      registers,
      collect() {
        this.reset();
        for (const l of lag.lags()) this.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
      },
    });
  }

  /** The lifecycle's positions, read at each scrape. */
  private positionGauges(registers: Registry[]): void {
    const read = () => this.state;
    new Gauge({
      name: "aggregator_state_next_offset",
      help: "Per input partition this replica owns: the state /metrics shows includes every record before this offset.",
      labelNames: ["topic", "partition"],
      registers,
      collect() {
        this.reset();
        for (const p of read()?.positions() ?? []) {
          this.set({ topic: p.topic, partition: String(p.partition) }, Number(p.nextOffset));
        }
      },
    });
    new Gauge({
      name: "aggregator_partition_owner_epoch",
      help: "Per input partition whose series this replica shows: its owner epoch, higher for every new owner (durable mode: counted in the changelog; memory mode: the open's Unix time in ms). The rules keep a partition's native histograms from the replica with the highest.",
      labelNames: ["stream", "topic", "partition"],
      registers,
      collect() {
        this.reset();
        for (const o of read()?.ownerEpochs() ?? []) {
          this.set({ stream: o.stream, topic: o.topic, partition: String(o.partition) }, o.epoch);
        }
      },
    });
    new Gauge({
      name: "aggregator_partitions_restoring",
      help: "Input partitions being fenced or restored from their changelog; their series are not shown meanwhile.",
      registers,
      collect() {
        this.set(read()?.restoring() ?? 0);
      },
    });
  }
}
