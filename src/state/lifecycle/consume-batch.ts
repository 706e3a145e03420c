import type { DeadLetterSink } from "../../dead-letter/dead-letter.js";
import type { EventPipeline, PipelineTarget } from "../../pipeline/event-pipeline.js";
import type { BatchOutcome, RecordBatch } from "../../source/record-batch.js";
import type { PartitionTask } from "./partition-task.js";

/** Where a partition's rejected records go; the processing mode chooses. */
export interface RejectRouting {
  /** Takes a slice's rejects before its events apply (memory mode's dead-letter producer); may hold the batch. */
  readonly sink: DeadLetterSink | undefined;
  /** True when rejects wait in the task for the commit that covers their offsets (durable mode). */
  readonly withCommit: boolean;
}

const IGNORED: BatchOutcome = { status: "ignored" };
const DONE: BatchOutcome = { status: "done" };

/**
 * Applies a batch to a consuming partition. Only records at or after the
 * state's next offset are applied, whatever the consumer fetched (a batch
 * fetched before a seek, a replay after a rebalance), so a record is never
 * counted twice into a state. A slice's rejects join the task in the same
 * synchronous step that applies its events, so a commit always writes the
 * dead letters of exactly the records its offset covers.
 */
export function consumeBatch(
  task: PartitionTask,
  batch: RecordBatch,
  pipeline: EventPipeline,
  routing: RejectRouting,
): Promise<BatchOutcome> {
  const state = task.state;
  if (state === undefined) return Promise.resolve(IGNORED);
  const epoch = task.epoch;
  let records = batch.records;
  if (state.nextOffset !== undefined && records.length > 0) {
    const next = BigInt(state.nextOffset);
    if (BigInt((records[0] as (typeof records)[number]).offset) < next) {
      records = records.filter((record) => BigInt(record.offset) >= next);
    }
  }
  if (records.length === 0) return Promise.resolve(DONE);
  const target: PipelineTarget = {
    deadLetters: routing.sink,
    apply(slice) {
      for (let i = 0; i < slice.events.length; i++) {
        state.apply(slice.events[i] as (typeof slice.events)[number], slice.recordTimes[i] as number);
      }
      task.addOutcomes(slice.rejects, slice.skips, routing.withCommit);
      state.advance(slice.nextOffset, slice.records);
    },
    stillCurrent: () => task.epoch === epoch && task.state === state && !batch.isStale(),
  };
  return pipeline.process({ ...batch, records }, target);
}
