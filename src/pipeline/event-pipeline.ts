import type { Aggregator } from "../aggregate/event-aggregator.js";
import type { DeadLetter, DeadLetterSink } from "../dead-letter/dead-letter.js";
import type { DecodeResult } from "../decode/decode-result.js";
import type { DomainEvent, EventKind } from "../decode/domain-event.js";
import type { MessageDecoder } from "../decode/message-decoder.js";
import type { RejectReason, SkipReason } from "../decode/reject-reason.js";
import type { RateLimitedLog } from "../log/rate-limited-log.js";
import type { SchemaLoader } from "../registry/registry-schemas.js";
import type { BatchOutcome, BatchSink, RecordBatch, SourceRecord } from "../source/record-batch.js";
import type { Unavailable } from "../util/backoff.js";
import { yieldToEventLoop } from "../util/yield-to-event-loop.js";

/** What the pipeline reports; `SelfMetrics` implements it. */
export interface PipelineTelemetry {
  recordConsumed(topic: string, records: number): void;
  recordInvalid(topic: string, reason: RejectReason): void;
  recordSkipped(topic: string, reason: SkipReason): void;
}

/** Collaborators of {@link createEventPipeline}. */
export interface EventPipelineParts {
  /** Which contract each subscribed topic carries. */
  readonly kinds: ReadonlyMap<string, EventKind>;
  readonly decode: MessageDecoder;
  readonly aggregator: Aggregator;
  readonly telemetry: PipelineTelemetry;
  readonly rejectLog: RateLimitedLog;
  /** Loads schemas the decoder has not seen; absent when no registry is configured. */
  readonly schemas?: SchemaLoader | undefined;
  /** Takes rejected records before their offsets are committed; absent when no dead-letter topic is configured. */
  readonly deadLetters?: DeadLetterSink | undefined;
}

/** Records decoded and applied between two yields to the event loop. */
const RECORDS_PER_SLICE = 2_000;
const DONE: BatchOutcome = { status: "done" };

/** One slice decoded: its events, rejects and skips, and where it stopped if a dependency was down. */
interface DecodedSlice {
  readonly events: DomainEvent[];
  readonly rejects: DeadLetter[];
  readonly skips: SkipReason[];
  /** Records decoded, from the slice's start. */
  readonly decoded: number;
  readonly stoppedBy?: Unavailable;
}

/**
 * Decodes a batch and applies it a slice at a time. A fetch can hold tens of
 * thousands of records; yielding between slices keeps `/metrics` and
 * heartbeats answering. A bad record is counted and logged (rate-limited),
 * written to the dead-letter topic when one is configured, and never stops
 * the batch. A slice takes effect whole or not at all: its rejects reach the
 * dead-letter topic first, then its events and counts are applied. When a
 * dependency is down (the registry for a new schema, the dead-letter topic)
 * the batch is `held` at the first record not applied, so nothing valid is
 * rejected, nothing rejected is lost, and nothing is counted twice.
 */
export function createEventPipeline(parts: EventPipelineParts): BatchSink {
  const { kinds, aggregator, telemetry, rejectLog, deadLetters } = parts;

  const apply = (topic: string, slice: DecodedSlice) => {
    aggregator.applyBatch(slice.events);
    for (const letter of slice.rejects) {
      telemetry.recordInvalid(topic, letter.reason);
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
    for (const reason of slice.skips) telemetry.recordSkipped(topic, reason);
    telemetry.recordConsumed(topic, slice.decoded);
  };

  return {
    async handleBatch({ topic, partition, records }: RecordBatch): Promise<BatchOutcome> {
      const kind = kinds.get(topic);
      if (kind === undefined) throw new Error(`record batch from unsubscribed topic ${topic}`);
      for (let start = 0; start < records.length; start += RECORDS_PER_SLICE) {
        if (start > 0) await yieldToEventLoop();
        const end = Math.min(records.length, start + RECORDS_PER_SLICE);
        const slice = await decodeSlice(parts, kind, topic, partition, records, start, end);
        const unwritten =
          deadLetters && slice.rejects.length > 0 ? await deadLetters.send(slice.rejects) : undefined;
        if (unwritten) return held(records[start] as SourceRecord, unwritten);
        apply(topic, slice);
        if (slice.stoppedBy) return held(records[start + slice.decoded] as SourceRecord, slice.stoppedBy);
      }
      return DONE;
    },
  };
}

function held(record: SourceRecord, why: Unavailable): BatchOutcome {
  return { status: "held", nextOffset: record.offset, retryAfterMs: why.retryAfterMs, reason: why.detail };
}

async function decodeSlice(
  { decode, schemas }: EventPipelineParts,
  kind: EventKind,
  topic: string,
  partition: number,
  records: readonly SourceRecord[],
  start: number,
  end: number,
): Promise<DecodedSlice> {
  const events: DomainEvent[] = [];
  const rejects: DeadLetter[] = [];
  const skips: SkipReason[] = [];
  for (let i = start; i < end; i++) {
    const record = records[i] as SourceRecord;
    let result: DecodeResult = decode(kind, record.value);
    if (result.status === "needs_schema" && schemas) {
      const unavailable = await schemas.load(result.schemaId);
      if (unavailable) return { events, rejects, skips, decoded: i - start, stoppedBy: unavailable };
      result = decode(kind, record.value);
    }
    if (result.status === "ok") events.push(result.event);
    else if (result.status === "rejected")
      rejects.push({ topic, partition, record, reason: result.reason, detail: result.detail });
    else if (result.status === "skipped") skips.push(result.reason);
    else throw new Error(`schema ${result.schemaId} needed but no schema loader is wired`);
  }
  return { events, rejects, skips, decoded: end - start };
}
