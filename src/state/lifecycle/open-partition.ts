import { RestoreCancelled } from "../changelog/changelog-restore.js";
import type { OpenProgress, RestoreSink } from "../store/state-store.js";
import { failPartition } from "./fail-partition.js";
import type { LifecycleContext } from "./lifecycle-context.js";
import type { PartitionTask } from "./partition-task.js";

/**
 * Fence, restore, seek: the partition's state becomes what Kafka holds (the
 * store decides how), and consumption resumes where it stands. A changelog
 * is read back through the group's own consumer, which holds it paused
 * otherwise. An open that a newer open, a revoke or the stop superseded
 * closes what it opened and changes nothing.
 */
export async function openPartition(task: PartitionTask, context: LifecycleContext): Promise<void> {
  const { control, logger } = context;
  const { epoch, previous } = task.beginOpen();
  await previous?.close();
  const current = () => task.epoch === epoch && !context.stopped();
  const progress: OpenProgress = {
    current,
    heardBy: (errors) => task.heardBy(epoch, errors),
    restore: (changelog, partition, from, detail, restore) =>
      readBack(task, epoch, context, { changelog, partition, from, detail, restore }),
  };
  const started = context.now();
  try {
    const opened = await context.store.open(task, progress);
    if (!current() || !task.openedWith(epoch, opened)) {
      await opened.close();
      return;
    }
    const offset = opened.state.nextOffset;
    // The state's own offset, not the group's: kafkajs fetches committed offsets without `requireStable`,
    // so what it fetched at the join may predate the last transaction. Batches fetched before the seek are
    // dropped by kafkajs (`isStale`), and the consume stage skips any record below the state's offset.
    if (offset !== undefined) control.seek(task.topic, task.partition, offset);
    control.resume(task.topic, task.partition, "not-ready");
    task.consuming();
    void context.afterPublish();
    logger.info(
      {
        event: "partition_opened",
        topic: task.topic,
        partition: task.partition,
        nextOffset: offset ?? null,
        series: opened.state.tables.reduce((sum, table) => sum + table.size, 0),
        ms: context.now() - started,
      },
      "partition state ready; consuming",
    );
  } catch (error) {
    if (current()) failPartition(task, error, "open", context);
  }
}

/** Reads a changelog partition back through the consumer: seek, resume, wait for the end, pause again. */
async function readBack(
  task: PartitionTask,
  epoch: number,
  { control }: LifecycleContext,
  read: { changelog: string; partition: number; from: string; detail: string; restore: RestoreSink },
): Promise<void> {
  if (!task.restoring(epoch, read.detail, read.restore)) throw new RestoreCancelled("superseded");
  control.seek(read.changelog, read.partition, read.from);
  control.resume(read.changelog, read.partition, "state-idle");
  try {
    await read.restore.done;
  } finally {
    control.pause(read.changelog, read.partition, "state-idle");
    task.restored(epoch);
  }
}
