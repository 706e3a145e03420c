import { type ComponentStatus, notReady, ready } from "../../util/component-status.js";
import type { PartitionTask } from "./partition-task.js";

/** An input partition of a new assignment. */
export interface AssignedPartition {
  readonly topic: string;
  readonly partition: number;
}

/** What a new assignment means for the tasks this replica has. */
export interface AssignmentPlan {
  /** Newly assigned partitions: fence, restore, seek. */
  readonly open: readonly AssignedPartition[];
  /** Consuming tasks assigned again: confirm their state is still theirs, then seek. */
  readonly keep: readonly PartitionTask[];
  /** Tasks assigned again that had not finished opening, or had failed: open again. */
  readonly reopen: readonly PartitionTask[];
  /** Tasks no longer assigned: hide, finish their commit, close. */
  readonly revoke: readonly PartitionTask[];
}

/**
 * Compares a join's assignment with the tasks in hand. kafkajs rebalances
 * eagerly: every partition is revoked and the new assignment given whole, so
 * a partition that stays is found here, not told.
 */
export function planAssignment(
  tasks: ReadonlyMap<string, PartitionTask>,
  assignment: ReadonlyMap<string, readonly number[]>,
  inputTopics: readonly string[],
): AssignmentPlan {
  const open: AssignedPartition[] = [];
  const keep: PartitionTask[] = [];
  const reopen: PartitionTask[] = [];
  const wanted = new Set<string>();
  for (const topic of inputTopics) {
    for (const partition of assignment.get(topic) ?? []) {
      const id = `${topic}:${partition}`;
      wanted.add(id);
      const task = tasks.get(id);
      if (task === undefined) open.push({ topic, partition });
      else if (task.state !== undefined) keep.push(task);
      else reopen.push(task);
    }
  }
  const revoke = [...tasks.values()].filter((task) => !wanted.has(task.id));
  return { open, keep, reopen, revoke };
}

/** What the tasks in hand are doing, for `/readyz`: the first failure, else the opens under way, else ready. */
export function tasksStatus(tasks: Iterable<PartitionTask>): ComponentStatus {
  const all = [...tasks];
  const failed = all.find((task) => task.phase === "failed");
  if (failed) return notReady(`partition ${failed.id}: ${failed.detail}`);
  const opening = all.filter((task) => task.state === undefined);
  if (opening.length > 0) {
    return notReady(
      `restoring ${opening.length} of ${all.length} partitions (${opening[0]?.id}: ${opening[0]?.detail})`,
    );
  }
  return ready(`${all.length} partitions consuming`);
}
