import type { PartitionState } from "../aggregate/partition-state.js";
import type { Visibility } from "../aggregate/series-table.js";
import type { PartitionTask } from "./partition-task.js";

/** Where partition state lives between processes: a changelog in Kafka (durable) or nowhere (memory). */
export interface StateStore {
  readonly visibility: Visibility;
  /** True when commits carry the input offsets (transactions); else kafkajs commits them. */
  readonly commitsOffsets: boolean;
  /**
   * Opens an input partition's state: fenced and restored (durable), or new
   * (memory). Throws what stopped it; `current()` turns false when a
   * rebalance made the open pointless.
   */
  open(task: PartitionTask, current: () => boolean): Promise<PartitionState>;
  /** Makes the task's state, rejects and offset durable together; throws when it could not. */
  commit(task: PartitionTask, state: PartitionState): Promise<number>;
  /** Releases what `open` took (the producer). */
  close(task: PartitionTask): Promise<void>;
}
