import type { PartitionAssigner } from "kafkajs";
import type { KafkaConnection } from "./kafka-connection.js";
import type { BatchSink } from "./record-batch.js";

/** What the consumer reports about itself; `SelfMetrics` implements it. */
export interface SourceTelemetry {
  /** The newest high watermark a fetch of an event-topic partition brought (for the lag). */
  recordHighWatermark(topic: string, partition: number, highWatermark: string): void;
  /** A join: the event-topic partitions now assigned (lag of the others is no longer this member's). */
  recordGroupJoin(assigned: ReadonlyMap<string, readonly number[]>): void;
  recordCommit(atMs: number): void;
  recordReady(ready: boolean): void;
  recordPaused(partitions: number): void;
}

/** Group events the next stage acts on; the partition lifecycle implements it. */
export interface GroupListener {
  /**
   * Called synchronously as kafkajs completes a join, before it fetches from
   * the new assignment: pause here what must not be fetched yet.
   */
  onAssigned(assignment: ReadonlyMap<string, readonly number[]>): void;
  /** The group started a rebalance: the assignment is about to be revoked. */
  onRebalancing(): void;
  /** The coordinator accepted a heartbeat: this member still owns its assignment. */
  onMembershipProven(): void;
  /** A partition's fetch position moved to `nextOffset`, also past records kafkajs filters out (control records, aborted transactions). */
  onPosition(topic: string, partition: number, nextOffset: string): void;
}

/** The stages after the consumer: where its batches, its group events and its reports go. */
export interface ConsumerTargets {
  readonly sink: BatchSink;
  readonly listener: GroupListener;
  readonly telemetry: SourceTelemetry;
}

/** What the group consumer reads. */
export interface Subscription {
  /** Event topics, read from `fromBeginning` when the group has no offsets. */
  readonly topics: readonly string[];
  /** Topics always read from their start when assigned (state changelogs), kept paused until asked for. */
  readonly stateTopics: readonly string[];
}

/** Settings of the group consumer. */
export interface GroupConsumerOptions extends KafkaConnection {
  readonly groupId: string;
  readonly fromBeginning: boolean;
  readonly fetchMaxBytesPerPartition: number;
  readonly fetchMaxBytes: number;
  readonly partitionsConcurrently: number;
  readonly sessionTimeoutMs: number;
  /** kafkajs commits resolved offsets itself (memory mode); off when offsets go in transactions. */
  readonly autoCommit: boolean;
  /** The group's assignors, most preferred first. */
  readonly assigners: readonly PartitionAssigner[];
}

/** Why a partition is paused; it is fetched again only when no reason is left. */
export type PauseReason = "held" | "not-ready" | "state-idle" | "stopping";
