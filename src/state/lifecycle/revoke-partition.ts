import type { PartitionTask } from "./partition-task.js";

/**
 * Lets go of a partition another member owns now (or, at the stop, one this
 * member leaves). The caller has already stopped showing it; here any open
 * in progress is abandoned, the commit that started when the rebalance
 * began may finish (if the new owner fenced the producer first, it fails
 * harmlessly), and the producer is closed.
 */
export async function revokePartition(task: PartitionTask): Promise<void> {
  if (task.phase !== "revoking" && task.phase !== "closed") task.beginRevoke();
  await task.commitInFlight;
  await task.close()?.close();
}
