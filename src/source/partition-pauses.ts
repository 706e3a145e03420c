import type { Logger } from "pino";
import type { PauseReason } from "./consumer-contracts.js";
import type { BatchOutcome } from "./record-batch.js";

const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;

/** Pauses and resumes a partition on the kafkajs consumer (when one runs). */
export interface PauseTarget {
  pause(topic: string, partition: number): void;
  resume(topic: string, partition: number): void;
}

/**
 * Why each partition is paused: a partition is fetched again only when no
 * reason is left (held by a dependency's outage, not ready yet, a changelog
 * idle between restores, the stop). Holds end by themselves after the
 * sink's backoff, or at a rebalance or the stop.
 */
export class PartitionPauses {
  private readonly reasons = new Map<string, Set<PauseReason>>();
  private readonly holds = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly target: PauseTarget,
    private readonly logger: Logger,
    /** Partitions held at the moment, for the self metrics. */
    private readonly recordHeld: (partitions: number) => void,
  ) {}

  has(topic: string, partition: number): boolean {
    return this.reasons.has(keyOf(topic, partition));
  }

  pause(topic: string, partition: number, reason: PauseReason): void {
    const key = keyOf(topic, partition);
    const reasons = this.reasons.get(key) ?? new Set();
    if (reasons.size === 0) this.target.pause(topic, partition);
    reasons.add(reason);
    this.reasons.set(key, reasons);
    if (reason === "held") this.recordHeld(this.holds.size);
  }

  resume(topic: string, partition: number, reason: PauseReason): void {
    const key = keyOf(topic, partition);
    const reasons = this.reasons.get(key);
    if (!reasons?.delete(reason) || reasons.size > 0) return;
    this.reasons.delete(key);
    this.target.resume(topic, partition);
  }

  /**
   * Pauses a partition whose batch the sink held and resumes it after the
   * sink's backoff. kafkajs fetches a resumed partition from its resolved
   * offset, so the held record is delivered again. Other partitions keep flowing.
   */
  hold(topic: string, partition: number, outcome: Extract<BatchOutcome, { status: "held" }>): void {
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
      this.recordHeld(this.holds.size);
    }, outcome.retryAfterMs);
    this.holds.set(key, timer);
    this.pause(topic, partition, "held");
  }

  /** A rebalance or a stop ends every hold: the partition is positioned again when it is assigned. */
  releaseHolds(): void {
    for (const [key, timer] of this.holds) {
      clearTimeout(timer);
      const at = key.lastIndexOf(":");
      this.resume(key.slice(0, at), Number(key.slice(at + 1)), "held");
    }
    this.holds.clear();
    this.recordHeld(0);
  }

  /** Forgets every reason (the consumer they were applied to is gone). */
  clear(): void {
    this.reasons.clear();
  }
}
