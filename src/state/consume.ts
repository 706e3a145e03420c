import type { DeadLetterSink } from "../dead-letter/dead-letter.js";
import type { EventPipeline, PipelineTarget } from "../pipeline/event-pipeline.js";
import type { BatchOutcome, RecordBatch } from "../source/record-batch.js";
import type { PartitionTask } from "./partition-task.js";

/** How rejects work in the current state mode. */
export interface ConsumeMode {
  /** Memory mode: rejects go straight to the dead-letter producer, before the slice applies. */
  readonly deadLetters: DeadLetterSink | undefined;
  /** Durable mode with a dead-letter topic: rejects wait in the task's outbox for its next commit. */
  readonly outbox: boolean;
}

/**
 * Applies a batch to an active partition. Only records at or after the
 * state's next offset are applied, whatever the consumer fetched (a batch
 * fetched before a seek, a replay after a rebalance), so a record is never
 * counted twice into a state. In durable mode a slice's rejects join the
 * task's outbox in the same synchronous step that applies its events, so a
 * commit always writes the dead letters of exactly the records its offset
 * covers.
 */
export function consumeBatch(
  task: PartitionTask,
  batch: RecordBatch,
  pipeline: EventPipeline,
  mode: ConsumeMode,
): Promise<BatchOutcome> {
  const state = task.state;
  if (state === undefined || task.phase !== "active") return Promise.resolve({ status: "ignored" });
  const attempt = task.attempt;
  let records = batch.records;
  if (state.nextOffset !== undefined && records.length > 0) {
    const next = BigInt(state.nextOffset);
    if (BigInt((records[0] as (typeof records)[number]).offset) < next) {
      records = records.filter((record) => BigInt(record.offset) >= next);
    }
  }
  if (records.length === 0) return Promise.resolve({ status: "done" });
  const target: PipelineTarget = {
    deadLetters: mode.deadLetters,
    apply(slice) {
      for (let i = 0; i < slice.events.length; i++) {
        state.apply(slice.events[i] as (typeof slice.events)[number], slice.recordTimes[i] as number);
      }
      if (mode.outbox) task.addRejects(slice.rejects);
      state.advance(slice.nextOffset, slice.records);
      task.outcomes.add(slice.rejects, slice.skips);
    },
    stillCurrent: () => task.attempt === attempt && task.phase === "active" && !batch.isStale(),
  };
  return pipeline.process({ ...batch, records }, target);
}
