import { yieldToEventLoop } from "../../util/yield-to-event-loop.js";
import { failPartition } from "./fail-partition.js";
import type { LifecycleContext } from "./lifecycle-context.js";
import type { PartitionTask } from "./partition-task.js";

/**
 * Commits a consuming partition, after the commit in flight (commits of one
 * partition run one after another): its changes, the rejects they cover and
 * the offset become durable together (`OpenedPartition.persist`), then
 * `/metrics` shows them. `force` commits even without changes (which proves
 * this member still owns the partition: anyone else would have fenced it).
 * Resolves whether this commit succeeded; a failed one fails the partition.
 */
export function commitPartition(
  task: PartitionTask,
  context: LifecycleContext,
  force = false,
): Promise<boolean> {
  return task.chainCommit(() => commitNow(task, context, force));
}

async function commitNow(task: PartitionTask, context: LifecycleContext, force: boolean): Promise<boolean> {
  if (task.state === undefined) return false;
  if (!force && !task.hasChanges) return true;
  if (!force) {
    // The interval's commits of all partitions come due together: each takes its snapshot in a task
    // of its own, so they do not hold the event loop one after another.
    const epoch = task.epoch;
    await yieldToEventLoop();
    if (task.epoch !== epoch) return false;
  }
  const take = task.beginCommit();
  if (take === undefined) return false;
  // In the same synchronous step as the rejects and outcomes it covers.
  const snapshot = take.state.snapshot();
  const { telemetry } = context;
  let committed: boolean;
  try {
    committed = await take.opened.persist(snapshot, take.rejects);
  } catch (error) {
    telemetry.recordStateCommit("failed", context.now());
    if (task.epoch === take.epoch) failPartition(task, error, "commit", context);
    return false;
  }
  const records = snapshot.publish();
  await context.afterPublish();
  telemetry.recordOutcomes(task.topic, take.outcomes);
  telemetry.recordCommitted(task.topic, records);
  if (committed) telemetry.recordStateCommit("committed", context.now());
  task.commitDone(take.epoch);
  return true;
}
