import type { Producer } from "kafkajs";
import type { PartitionState } from "../aggregate/partition-state.js";
import type { DeadLetter } from "../dead-letter/dead-letter.js";
import type { RejectReason, SkipReason } from "../events/reject-reason.js";
import { dependencyBackoff } from "../util/backoff.js";
import type { RecentBrokerErrors } from "./kafka-errors.js";
import type { ChangelogRestore } from "./restore.js";

/**
 * Where an input partition is in its lifecycle:
 * `opening` (fencing) → `restoring` → `active` (consuming and committing);
 * `failed` when a commit or an open failed: the state is dropped and the
 * partition is opened again after a backoff.
 */
export type TaskPhase = "opening" | "restoring" | "active" | "failed";

/** Stops what a pause reason names, on the consumer; the source's group consumer implements it. */
export interface ConsumerControl {
  pause(topic: string, partition: number, reason: "not-ready" | "state-idle"): void;
  resume(topic: string, partition: number, reason: "not-ready" | "state-idle"): void;
  seek(topic: string, partition: number, offset: string): void;
}

/** Rejects and skips by reason. */
export class OutcomeCounts {
  readonly invalid = new Map<RejectReason, number>();
  readonly skipped = new Map<SkipReason, number>();

  add(rejects: readonly { readonly reason: RejectReason }[], skips: readonly SkipReason[]): void {
    for (const { reason } of rejects) this.invalid.set(reason, (this.invalid.get(reason) ?? 0) + 1);
    for (const reason of skips) this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
  }
}

/** One input partition this replica owns, with its state and its producer (Kafka Streams calls it a task). */
export class PartitionTask {
  readonly id: string;
  phase: TaskPhase = "opening";
  /** What the task is doing or why it failed, for `/readyz` and logs. */
  detail = "opening";
  /**
   * Bumped whenever the task is opened again, fails or is revoked: async work
   * started under an older attempt sees it and stops.
   */
  attempt = 0;
  /** Shown on `/metrics` while `active`. */
  state: PartitionState | undefined;
  /** Where the state last shown stood (kept while a failed partition is opened again, for its lag). */
  lastShownOffset: string | undefined;
  producer: Producer | undefined;
  /** What the brokers answered this partition's producer lately (errors kafkajs does not pass on). */
  brokerErrors: RecentBrokerErrors | undefined;
  /** The open whose fence is in flight: the next open of the partition fences after it. */
  fencing: Promise<void> | undefined;
  restore: ChangelogRestore | undefined;
  /** Rejected records waiting for the next commit's transaction (durable mode). */
  private outbox: DeadLetter[] = [];
  /** Bytes of the records in the outbox (values and keys), which a flood of rejects must not grow without bound. */
  outboxBytes = 0;
  /** Rejects and skips applied since the last commit, counted when it succeeds (durable mode). */
  outcomes = new OutcomeCounts();
  /** The commit in flight; commits of one partition run one after another. */
  committing: Promise<boolean> | undefined;
  failedAtMs = 0;
  retryAtMs = 0;
  readonly backoff = dependencyBackoff();

  /** Adds a slice's rejects for the next commit. */
  addRejects(rejects: readonly DeadLetter[]): void {
    for (const letter of rejects) {
      this.outbox.push(letter);
      this.outboxBytes += (letter.record.value?.length ?? 0) + (letter.record.key?.length ?? 0);
    }
  }

  /** Takes every reject waiting, for the commit that covers their offsets. */
  takeOutbox(): DeadLetter[] {
    const letters = this.outbox;
    this.outbox = [];
    this.outboxBytes = 0;
    return letters;
  }

  /** Rejects waiting for the next commit. */
  get outboxSize(): number {
    return this.outbox.length;
  }

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly stream: string,
    /** Its changelog topic (durable mode). */
    readonly changelog: string | undefined,
  ) {
    this.id = `${topic}:${partition}`;
  }
}
