import { describeError, isFenced, remedy } from "../kafka-errors.js";
import type { LifecycleContext } from "./lifecycle-context.js";
import type { PartitionTask } from "./partition-task.js";

/**
 * An open or a commit failed: the task drops its state and its producer and
 * is opened again after a backoff (`PartitionTasks.retryFailed`). The reason
 * says what the partition's own clients heard from the brokers, and what an
 * operator should change when retrying alone will not help.
 */
export function failPartition(
  task: PartitionTask,
  error: unknown,
  stage: "open" | "commit",
  context: LifecycleContext,
): void {
  const heard = task.brokerErrors ?? context.brokerErrors;
  const change = remedy(error, context.groupId, heard);
  const detail = `${stage} failed: ${describeError(error, heard)}${change ? `: ${change}` : ""}`;
  const { opened, retryInMs } = task.fail(detail, context.now());
  context.control.pause(task.topic, task.partition, "not-ready");
  context.logger.warn(
    {
      event: "partition_failed",
      topic: task.topic,
      partition: task.partition,
      stage,
      fenced: isFenced(error),
      error: detail,
      retryInMs,
    },
    "partition state dropped; it is restored again",
  );
  void opened?.close();
}
