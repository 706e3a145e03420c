import type { ConsumerControl, PartitionTask } from "./partition-task.js";

/**
 * Points the consumer at the first record the task's state does not hold and
 * lets it fetch. The state's own offset, not the group's: kafkajs 2.2.4
 * fetches committed offsets without `requireStable`, so what it fetched at
 * the join may predate the last transaction. kafkajs drops batches fetched
 * before the seek (`isStale`), and the consume stage skips any record below
 * the state's offset.
 */
export function positionInput(control: ConsumerControl, task: PartitionTask): void {
  const offset = task.state?.nextOffset;
  if (offset !== undefined) control.seek(task.topic, task.partition, offset);
  control.resume(task.topic, task.partition, "not-ready");
}
