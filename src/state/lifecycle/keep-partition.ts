import { commitPartition } from "./commit-partition.js";
import type { LifecycleContext } from "./lifecycle-context.js";
import { openPartition } from "./open-partition.js";
import type { PartitionTask } from "./partition-task.js";

/**
 * What a partition this member owned before a rebalance and owns again
 * needs: `prove` its state is still its own with a commit (durable mode:
 * anyone who owned it in between fenced the producer first), `reopen` it
 * (memory mode, when this member may have missed a generation), or `keep`.
 */
export type KeepPolicy = (missedGeneration: boolean) => "prove" | "reopen" | "keep";

/**
 * Keeps a consuming partition through a rebalance as the policy says, then
 * points the consumer at the state's next offset: kafkajs rebalances
 * eagerly, so its position went back to the group's committed offset.
 */
export async function keepPartition(
  task: PartitionTask,
  policy: ReturnType<KeepPolicy>,
  context: LifecycleContext,
): Promise<void> {
  if (policy === "reopen") {
    await openPartition(task, context);
    return;
  }
  // A failed proof failed the partition: it is opened again from what Kafka holds.
  if (policy === "prove" && !(await commitPartition(task, context, true))) return;
  const state = task.state;
  if (state === undefined) return;
  if (state.nextOffset !== undefined) context.control.seek(task.topic, task.partition, state.nextOffset);
  context.control.resume(task.topic, task.partition, "not-ready");
}
