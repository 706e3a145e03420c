import type { DeadLetter, DeadLetterSink } from "../dead-letter/dead-letter.js";
import type { DecodeResult } from "../decode/decode-result.js";
import type { MessageDecoder } from "../decode/message-decoder.js";
import type { SkipReason } from "../events/reject-reason.js";
import type { StreamEvent } from "../events/stream-event.js";
import type { RateLimitedLog } from "../log/rate-limited-log.js";
import type { BatchOutcome, RecordBatch, SourceRecord } from "../source/record-batch.js";
import type { Unavailable } from "../util/backoff.js";
import { yieldToEventLoop } from "../util/yield-to-event-loop.js";
import type { SchemaLoader } from "./schema-loader.js";

/** What the pipeline reports; `SelfMetrics` implements it. */
export interface PipelineTelemetry {
  /** Records decoded (also those decoded again after a failed commit). */
  recordConsumed(topic: string, records: number): void;
}

/** Collaborators of {@link createEventPipeline}. */
export interface EventPipelineParts {
  /** Which catalogue stream each event topic carries. */
  readonly streams: ReadonlyMap<string, string>;
  readonly decode: MessageDecoder;
  readonly telemetry: PipelineTelemetry;
  readonly rejectLog: RateLimitedLog;
  /** Loads schemas the decoder has not seen; absent when no registry is configured. */
  readonly schemas?: SchemaLoader | undefined;
}

/** A decoded slice of a batch, ready to apply. */
export interface DecodedSlice {
  readonly events: readonly StreamEvent[];
  /** Record time (epoch ms) of each event, by index. */
  readonly recordTimes: readonly number[];
  /** Records the slice covers (events, rejects and skips). */
  readonly records: number;
  /** The offset after the slice's last record. */
  readonly nextOffset: string;
  /** The slice's rejected records (already with the dead-letter sink, if the target has one). */
  readonly rejects: readonly DeadLetter[];
  /** Why each record that carries no event was skipped. */
  readonly skips: readonly SkipReason[];
}

/** Where a partition's decoded records go; the lifecycle's consume stage (`consume-batch.ts`) makes one per batch. */
export interface PipelineTarget {
  /** Takes a slice's rejects before its events take effect; absent: rejects are counted and logged only. */
  readonly deadLetters: DeadLetterSink | undefined;
  apply(slice: DecodedSlice): void;
  /** False once the partition was revoked or sought: the rest of the batch must not be applied. */
  stillCurrent(): boolean;
}

/** Decodes batches and applies them to their partition's target. */
export interface EventPipeline {
  process(batch: RecordBatch, target: PipelineTarget): Promise<BatchOutcome>;
}

/** Records decoded and applied between two yields to the event loop (a few milliseconds of work). */
const RECORDS_PER_SLICE = 1_000;
const DONE: BatchOutcome = { status: "done" };

interface Decoded {
  readonly events: StreamEvent[];
  readonly recordTimes: number[];
  readonly rejects: DeadLetter[];
  readonly skips: SkipReason[];
  /** Records decoded, from the slice's start. */
  readonly decoded: number;
  readonly stoppedBy?: Unavailable;
}

/**
 * Decodes a batch and applies it a slice at a time. A fetch can hold tens of
 * thousands of records; yielding between slices keeps `/metrics` and
 * heartbeats answering. A bad record is logged (rate-limited), handed to the
 * target with its reason (which counts it) and to the dead-letter sink, and
 * never stops the batch. A slice takes
 * effect whole or not at all: its rejects reach the dead-letter sink first,
 * then its events and counts are applied. When a dependency is down (the
 * registry for a new schema, the dead-letter topic) the batch is `held` at
 * the first record not applied, so nothing valid is rejected, nothing
 * rejected is lost, and nothing is counted twice.
 */
export function createEventPipeline(parts: EventPipelineParts): EventPipeline {
  const { streams, telemetry, rejectLog } = parts;

  const report = (topic: string, slice: Decoded) => {
    for (const letter of slice.rejects) {
      rejectLog.warn(
        `${topic}:${letter.reason}`,
        {
          event: "event_rejected",
          topic,
          partition: letter.partition,
          offset: letter.record.offset,
          reason: letter.reason,
          detail: letter.detail,
        },
        "event rejected",
      );
    }
    telemetry.recordConsumed(topic, slice.decoded);
  };

  return {
    async process({ topic, partition, records }, target) {
      const stream = streams.get(topic);
      if (stream === undefined) throw new Error(`record batch from unsubscribed topic ${topic}`);
      for (let start = 0; start < records.length; start += RECORDS_PER_SLICE) {
        // Also before the first slice: the batch arrives in the task in which kafkajs decoded the whole fetch.
        await yieldToEventLoop();
        if (!target.stillCurrent()) return { status: "ignored" };
        const end = Math.min(records.length, start + RECORDS_PER_SLICE);
        const slice = await decodeSlice(parts, stream, topic, partition, records, start, end);
        if (!target.stillCurrent()) return { status: "ignored" };
        const unwritten =
          target.deadLetters && slice.rejects.length > 0
            ? await target.deadLetters.send(slice.rejects)
            : undefined;
        if (unwritten) return held(records[start] as SourceRecord, unwritten);
        if (!target.stillCurrent()) return { status: "ignored" };
        if (slice.decoded > 0) {
          const last = records[start + slice.decoded - 1] as SourceRecord;
          target.apply({
            events: slice.events,
            recordTimes: slice.recordTimes,
            records: slice.decoded,
            nextOffset: (BigInt(last.offset) + 1n).toString(),
            rejects: slice.rejects,
            skips: slice.skips,
          });
        }
        report(topic, slice);
        if (slice.stoppedBy) return held(records[start + slice.decoded] as SourceRecord, slice.stoppedBy);
      }
      return DONE;
    },
  };
}

function held(record: SourceRecord, why: Unavailable): BatchOutcome {
  return { status: "held", nextOffset: record.offset, retryAfterMs: why.retryAfterMs, reason: why.detail };
}

/** Schema ids of one slice asked of the registry at once (each id once, however many records name it). */
const CONCURRENT_SCHEMA_LOADS = 8;

async function decodeSlice(
  { decode, schemas }: EventPipelineParts,
  stream: string,
  topic: string,
  partition: number,
  records: readonly SourceRecord[],
  start: number,
  end: number,
): Promise<Decoded> {
  const results: DecodeResult[] = [];
  const needed = new Set<number>();
  for (let i = start; i < end; i++) {
    const result = decode(stream, (records[i] as SourceRecord).value);
    if (result.status === "needs_schema") needed.add(result.schemaId);
    results.push(result);
  }
  let unavailable: Map<number, Unavailable> | undefined;
  if (needed.size > 0) {
    if (schemas === undefined) throw new Error("a schema is needed but no schema loader is wired");
    unavailable = await loadSchemas(schemas, [...needed]);
  }
  const events: StreamEvent[] = [];
  const recordTimes: number[] = [];
  const rejects: DeadLetter[] = [];
  const skips: SkipReason[] = [];
  for (let i = start; i < end; i++) {
    const record = records[i] as SourceRecord;
    let result = results[i - start] as DecodeResult;
    if (result.status === "needs_schema") {
      const why = unavailable?.get(result.schemaId);
      // The registry is down for this id: the slice stops before the record, which is decoded again later.
      if (why) return { events, recordTimes, rejects, skips, decoded: i - start, stoppedBy: why };
      result = decode(stream, record.value);
    }
    if (result.status === "ok") {
      events.push(result.event);
      recordTimes.push(Number(record.timestamp));
    } else if (result.status === "rejected")
      rejects.push({ topic, partition, record, reason: result.reason, detail: result.detail });
    else if (result.status === "skipped") skips.push(result.reason);
    else throw new Error(`schema ${result.schemaId} still needed after it was loaded`);
  }
  return { events, recordTimes, rejects, skips, decoded: end - start };
}

/**
 * Asks the registry for each id once, a few at a time; returns the ids it
 * could not answer for (an outage), with when to try again.
 */
async function loadSchemas(schemas: SchemaLoader, ids: readonly number[]): Promise<Map<number, Unavailable>> {
  const unavailable = new Map<number, Unavailable>();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++] as number;
      const why = await schemas.load(id);
      if (why) unavailable.set(id, why);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_SCHEMA_LOADS, ids.length) }, worker));
  return unavailable;
}
