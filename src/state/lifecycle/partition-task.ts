import type { PartitionState } from "../../aggregate/partition-state.js";
import type { DeadLetter } from "../../dead-letter/dead-letter.js";
import type { RejectReason, SkipReason } from "../../events/reject-reason.js";
import { dependencyBackoff } from "../../util/backoff.js";
import type { RecentBrokerErrors } from "../kafka-errors.js";
import type { OpenedPartition, RestoreSink } from "../store/state-store.js";
import {
  IllegalTransition,
  OPENING_PHASES,
  SHOWN_PHASES,
  type TaskPhase,
  TRANSITIONS,
} from "./task-phase.js";

/** Rejects and skips by reason. */
export class OutcomeCounts {
  readonly invalid = new Map<RejectReason, number>();
  readonly skipped = new Map<SkipReason, number>();

  add(rejects: readonly { readonly reason: RejectReason }[], skips: readonly SkipReason[]): void {
    for (const { reason } of rejects) this.invalid.set(reason, (this.invalid.get(reason) ?? 0) + 1);
    for (const reason of skips) this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
  }
}

/** What a commit takes from the task: the rejects and outcomes its snapshot covers. */
export interface CommitTake {
  readonly state: PartitionState;
  readonly opened: OpenedPartition;
  readonly rejects: DeadLetter[];
  readonly outcomes: OutcomeCounts;
  /** The task's epoch when it was taken: the commit's result counts only while it is the same. */
  readonly epoch: number;
}

/**
 * One input partition this replica owns, as a state machine (Kafka Streams
 * calls it a task). It holds the partition's state, the store's handle on
 * it (the producer, in durable mode), its rejects waiting for a commit, and
 * its phase; every change of phase goes through {@link moveTo}, checked
 * against {@link TRANSITIONS}. Nothing outside writes its fields: the stages
 * (`open-partition.ts`, `commit-partition.ts`, `consume-batch.ts`,
 * `revoke-partition.ts`) are functions that ask it.
 *
 * `epoch` counts the times the task was opened, failed or let go: async work
 * started under an older epoch finds out it is stale and stops.
 */
export class PartitionTask {
  readonly id: string;
  private phaseNow: TaskPhase = "assigned";
  private detailNow = "assigned";
  private epochNow = 0;
  private opened: OpenedPartition | undefined;
  private restoreNow: RestoreSink | undefined;
  private outbox: DeadLetter[] = [];
  private outboxBytesNow = 0;
  private outcomes = new OutcomeCounts();
  private commitChain: Promise<boolean> | undefined;
  /** Where the state last shown stood (kept while a failed partition is opened again, for its lag). */
  private lastShown: string | undefined;
  private failedAt = 0;
  private retryAt = 0;
  private readonly backoff = dependencyBackoff();

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly stream: string,
    /** Its changelog topic (durable mode). */
    readonly changelog: string | undefined,
  ) {
    this.id = `${topic}:${partition}`;
  }

  get phase(): TaskPhase {
    return this.phaseNow;
  }

  /** What the task is doing or why it failed, for `/readyz` and logs. */
  get detail(): string {
    return this.detailNow;
  }

  get epoch(): number {
    return this.epochNow;
  }

  /** The state `/metrics` shows, while it shows one. */
  get state(): PartitionState | undefined {
    return SHOWN_PHASES.has(this.phaseNow) ? this.opened?.state : undefined;
  }

  get opening(): boolean {
    return OPENING_PHASES.has(this.phaseNow);
  }

  /** The changelog restore under way, which the changelog's batches go to. */
  get restore(): RestoreSink | undefined {
    return this.restoreNow;
  }

  /** What this partition's own clients heard from the brokers lately. */
  get brokerErrors(): RecentBrokerErrors | undefined {
    return this.opened?.brokerErrors ?? this.openingErrors;
  }
  private openingErrors: RecentBrokerErrors | undefined;

  /** Where what `/metrics` shows of the partition stands: now, or when it was last shown. */
  get shownOffset(): string | undefined {
    return this.state?.shownNextOffset ?? this.lastShown;
  }

  /** Bytes of the rejects waiting for the next commit. */
  get outboxBytes(): number {
    return this.outboxBytesNow;
  }

  /** True when a commit has something to write: applied records, removals, rejects, or the store's own. */
  get hasChanges(): boolean {
    const state = this.state;
    return (
      state !== undefined && (!state.unchanged || this.outbox.length > 0 || this.opened?.pending === true)
    );
  }

  isCurrent(epoch: number): boolean {
    return this.epochNow === epoch && this.phaseNow !== "closed" && this.phaseNow !== "revoking";
  }

  /** Starts (or starts again) an open: returns its epoch and the handle of the one before, to close. */
  beginOpen(): { epoch: number; previous: OpenedPartition | undefined } {
    this.moveTo("fencing", "fencing");
    this.restoreNow?.cancel();
    this.restoreNow = undefined;
    const previous = this.opened;
    this.opened = undefined;
    this.openingErrors = undefined;
    return { epoch: ++this.epochNow, previous };
  }

  /** The open's clients, once it made them: a failure of the open is explained by what they heard. */
  heardBy(epoch: number, errors: RecentBrokerErrors): void {
    if (this.epochNow === epoch) this.openingErrors = errors;
  }

  /** The open reads the changelog back: its batches go to `restore` until it is done. */
  restoring(epoch: number, detail: string, restore: RestoreSink): boolean {
    if (this.epochNow !== epoch || this.phaseNow !== "fencing") return false;
    this.moveTo("restoring", detail);
    this.restoreNow = restore;
    return true;
  }

  /** The changelog is read: batches no longer go to the restore. */
  restored(epoch: number): void {
    if (this.epochNow === epoch) this.restoreNow = undefined;
  }

  /** The open ended with `opened`; false when a newer open or a revoke superseded it (the caller closes it). */
  openedWith(epoch: number, opened: OpenedPartition): boolean {
    if (this.epochNow !== epoch || (this.phaseNow !== "fencing" && this.phaseNow !== "restoring"))
      return false;
    this.moveTo("seeking", "seeking");
    this.opened = opened;
    return true;
  }

  /** The consumer is positioned: batches are applied from here on, and `/metrics` shows the state. */
  consuming(): void {
    this.moveTo("consuming", "consuming");
  }

  /**
   * Takes a slice's outcomes (rejects and skips by reason), counted when
   * the commit that covers them is, and, when `hold`, its rejects, written
   * by that commit: in the step that applies the slice's events.
   */
  addOutcomes(rejects: readonly DeadLetter[], skips: readonly SkipReason[], hold: boolean): void {
    this.outcomes.add(rejects, skips);
    if (!hold) return;
    for (const letter of rejects) {
      this.outbox.push(letter);
      this.outboxBytesNow += (letter.record.value?.length ?? 0) + (letter.record.key?.length ?? 0);
    }
  }

  /** Runs `commit` after the commit in flight (commits of one partition run one after another). */
  chainCommit(commit: () => Promise<boolean>): Promise<boolean> {
    const next = (this.commitChain ?? Promise.resolve(true)).then(commit);
    this.commitChain = next;
    void next.finally(() => {
      if (this.commitChain === next) this.commitChain = undefined;
    });
    return next;
  }

  /** The commit in flight, if any. */
  get commitInFlight(): Promise<boolean> | undefined {
    return this.commitChain;
  }

  /** Starts a commit: the rejects and outcomes it covers leave the task with it; `undefined` when not consuming. */
  beginCommit(): CommitTake | undefined {
    const state = this.state;
    if (this.phaseNow !== "consuming" || state === undefined || this.opened === undefined) return undefined;
    this.moveTo("committing", "committing");
    const rejects = this.outbox;
    const outcomes = this.outcomes;
    this.outbox = [];
    this.outboxBytesNow = 0;
    this.outcomes = new OutcomeCounts();
    return { state, opened: this.opened, rejects, outcomes, epoch: this.epochNow };
  }

  /** The commit of `epoch` is durable: back to consuming (unless the task moved on meanwhile). */
  commitDone(epoch: number): void {
    if (this.epochNow !== epoch || this.phaseNow !== "committing") return;
    this.moveTo("consuming", "consuming");
    // Only a commit proves the partition works again: an open that succeeds before each failing commit
    // (a dead-letter topic refused) must not restore the partition every half second.
    this.backoff.reset();
  }

  /**
   * An open or a commit failed: the state is dropped (it is no longer what
   * Kafka holds) and the partition is opened again after a backoff. Returns
   * the handle to close, and how long the backoff is.
   */
  fail(detail: string, nowMs: number): { opened: OpenedPartition | undefined; retryInMs: number } {
    this.lastShown = this.shownOffset;
    this.moveTo("failed", detail);
    this.epochNow++;
    this.restoreNow?.cancel();
    this.restoreNow = undefined;
    const opened = this.opened;
    this.opened = undefined;
    this.outbox = [];
    this.outboxBytesNow = 0;
    this.outcomes = new OutcomeCounts();
    this.failedAt = nowMs;
    const retryInMs = this.backoff.fail();
    this.retryAt = nowMs + retryInMs;
    return { opened, retryInMs };
  }

  /** A failed task may be opened again: its backoff passed and the group confirmed this member since it failed. */
  retryDue(nowMs: number, membershipProvenAtMs: number): boolean {
    return this.phaseNow === "failed" && nowMs >= this.retryAt && membershipProvenAtMs > this.failedAt;
  }

  /** Another member owns the partition now: the open under way (if any) is abandoned. */
  beginRevoke(): void {
    this.moveTo("revoking", "revoking");
    this.epochNow++;
    this.restoreNow?.cancel();
    this.restoreNow = undefined;
  }

  /** Let go for good: returns the handle to close. */
  close(): OpenedPartition | undefined {
    if (this.phaseNow !== "closed") this.moveTo("closed", "closed");
    this.epochNow++;
    this.restoreNow?.cancel();
    this.restoreNow = undefined;
    const opened = this.opened;
    this.opened = undefined;
    return opened;
  }

  private moveTo(phase: TaskPhase, detail: string): void {
    if (!TRANSITIONS[this.phaseNow].includes(phase))
      throw new IllegalTransition(this.id, this.phaseNow, phase);
    this.phaseNow = phase;
    this.detailNow = detail;
  }
}
