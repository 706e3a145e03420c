import type { PartitionState } from "../aggregate/partition-state.js";
import type { OutcomeCounts, PartitionTask } from "./partition-task.js";

/** What one commit made visible. */
export interface Committed {
  readonly records: number;
  readonly outcomes: OutcomeCounts;
}

/** Where partition state lives between processes: a changelog in Kafka (durable) or nowhere (memory). */
export interface StateStore {
  /** True when commits carry the input offsets (transactions); else kafkajs commits them. */
  readonly commitsOffsets: boolean;
  /**
   * Opens an input partition's state: fenced and restored (durable), or new
   * (memory). Throws what stopped it; `current()` turns false when a
   * rebalance made the open pointless.
   */
  open(task: PartitionTask, current: () => boolean): Promise<PartitionState>;
  /**
   * Makes the task's state, rejects and offset durable together; resolves
   * what became visible (records and their outcomes), throws when it could not.
   */
  commit(task: PartitionTask, state: PartitionState): Promise<Committed>;
  /** Releases what `open` took (the producer). */
  close(task: PartitionTask): Promise<void>;
}
