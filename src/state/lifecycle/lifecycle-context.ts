import type { Logger } from "pino";
import type { RecentBrokerErrors } from "../kafka-errors.js";
import type { StateStore } from "../store/state-store.js";
import type { OutcomeCounts } from "./partition-task.js";

/** Why a partition is paused on the consumer: until it is ready, or (a changelog) until a restore reads it. */
export type PauseReason = "not-ready" | "state-idle";

/** Stops what a pause reason names, on the consumer; the source's group consumer implements it. */
export interface ConsumerControl {
  pause(topic: string, partition: number, reason: PauseReason): void;
  resume(topic: string, partition: number, reason: PauseReason): void;
  seek(topic: string, partition: number, offset: string): void;
}

/** The group membership as the lifecycle needs it; the source's group consumer implements it. */
export interface Membership {
  /** True while the coordinator cannot yet have given this member's partitions to another. */
  leaseValid(): boolean;
  /** When the coordinator last confirmed this member (epoch ms). */
  readonly membershipProvenAt: number;
}

/** What the lifecycle reports; `SelfMetrics` implements it. */
export interface StateTelemetry {
  /** Records whose effect `/metrics` now shows. */
  recordCommitted(topic: string, records: number): void;
  /** Rejects and skips whose offsets are committed with the state (or shown, in memory mode). */
  recordOutcomes(topic: string, outcomes: OutcomeCounts): void;
  /** A transaction of durable state, committed or failed. */
  recordStateCommit(result: "committed" | "failed", atMs: number): void;
}

/** What the stages of a partition's lifecycle work with. */
export interface LifecycleContext {
  readonly groupId: string;
  readonly store: StateStore;
  readonly control: ConsumerControl;
  readonly telemetry: StateTelemetry;
  readonly logger: Logger;
  /** What the brokers answered the state's shared clients (the admin) lately. */
  readonly brokerErrors: RecentBrokerErrors | undefined;
  readonly now: () => number;
  /** True once the service stops: no open or retry starts any more. */
  readonly stopped: () => boolean;
  /**
   * Runs after a partition's state is published (a commit, a restore),
   * before the records it covers are counted as shown: the exposition makes
   * their text.
   */
  readonly afterPublish: () => Promise<void>;
}
