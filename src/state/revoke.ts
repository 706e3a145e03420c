import type { PartitionTask } from "./partition-task.js";
import type { StateStore } from "./state-store.js";

/**
 * Lets go of a partition another member now owns. The caller has already
 * stopped showing it; here the commit that started when the rebalance began
 * is allowed to finish (if the new owner fenced the producer first, it
 * fails harmlessly), any open or restore in progress is abandoned, and the
 * producer is closed.
 */
export async function revokeTask(task: PartitionTask, store: StateStore): Promise<void> {
  task.attempt++;
  task.restore?.cancel();
  await task.committing;
  task.state = undefined;
  await store.close(task);
}
