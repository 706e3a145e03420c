import type { PartitionState, StateSnapshot } from "../../aggregate/partition-state.js";
import type { DeadLetter } from "../../dead-letter/dead-letter.js";
import type { SourceRecord } from "../../source/record-batch.js";
import type { RecentBrokerErrors } from "../kafka-errors.js";

/** An input partition as a store needs it. */
export interface PartitionRef {
  readonly topic: string;
  readonly partition: number;
  /** The catalogue stream its topic carries. */
  readonly stream: string;
  /** Its changelog topic (durable mode). */
  readonly changelog: string | undefined;
}

/** Where a changelog partition's records go while it is read back. */
export interface RestoreSink {
  /** Resolves when the state holds everything up to the changelog's end. */
  readonly done: Promise<void>;
  accept(records: readonly SourceRecord[], nextOffset: string): Promise<void>;
  /** The consumer's position moved (also past control records, which no batch shows). */
  advanceTo(nextOffset: string): void;
  cancel(): void;
}

/** What an open reports on the way, and how it learns it was superseded. */
export interface OpenProgress {
  /** False once a newer open or a revoke made this one pointless. */
  current(): boolean;
  /** The clients the open made; a failure of the open is explained by what they heard. */
  heardBy(errors: RecentBrokerErrors): void;
  /**
   * Reads `changelog` partition `partition` back from offset `from` into the
   * restore: the lifecycle points its consumer there, routes the batches to
   * `restore` and resolves when it is done.
   */
  restore(
    changelog: string,
    partition: number,
    from: string,
    detail: string,
    restore: RestoreSink,
  ): Promise<void>;
}

/** A partition's state, opened, with the store's hold on it (the producer, in durable mode). */
export interface OpenedPartition {
  readonly state: PartitionState;
  /** What the brokers answered this partition's clients lately (durable mode). */
  readonly brokerErrors: RecentBrokerErrors | undefined;
  /** True while the store must write something even if the state did not change. */
  readonly pending: boolean;
  /**
   * Makes a snapshot and the rejects of the records it covers durable, all
   * together (durable mode: one transaction with the input offset), or does
   * nothing where state lives in memory only. Resolves whether anything was
   * committed; throws when it could not be.
   */
  persist(snapshot: StateSnapshot, rejects: readonly DeadLetter[]): Promise<boolean>;
  /** Releases what the open took (the producer). */
  close(): Promise<void>;
}

/**
 * Where partition state lives between processes: a changelog in Kafka
 * (durable) or nowhere (memory). Opening fences and restores (durable) or
 * starts empty (memory); throws what stopped it.
 */
export interface StateStore {
  open(partition: PartitionRef, progress: OpenProgress): Promise<OpenedPartition>;
}
