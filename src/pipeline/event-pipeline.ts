import type { Aggregator } from "../aggregate/event-aggregator.js";
import type { DecodeResult } from "../decode/decode-result.js";
import type { DomainEvent, EventKind } from "../decode/domain-event.js";
import type { MessageDecoder } from "../decode/message-decoder.js";
import type { RejectReason, SkipReason } from "../decode/reject-reason.js";
import type { RateLimitedLog } from "../log/rate-limited-log.js";
import type { SchemaLoader } from "../registry/registry-schemas.js";
import type { BatchOutcome, BatchSink, RecordBatch, SourceRecord } from "../source/record-batch.js";
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
}

/** Records decoded and applied between two yields to the event loop. */
const RECORDS_PER_SLICE = 2_000;
const DONE: BatchOutcome = { status: "done" };

/**
 * Decodes a batch and applies its valid events to the aggregator a slice at
 * a time. A fetch can hold tens of thousands of records; yielding between
 * slices keeps `/metrics` and heartbeats answering while it is processed. A
 * bad record is counted and logged (rate-limited) and never stops the batch.
 * A framed record whose schema cannot be loaded (registry down) stops it
 * instead: the records before it are applied and the batch is `held` there,
 * so nothing valid is rejected and nothing is counted twice.
 */
export function createEventPipeline({
  kinds,
  decode,
  aggregator,
  telemetry,
  rejectLog,
  schemas,
}: EventPipelineParts): BatchSink {
  const account = (topic: string, partition: number, record: SourceRecord, result: DecodeResult) => {
    if (result.status === "rejected") {
      telemetry.recordInvalid(topic, result.reason);
      rejectLog.warn(
        `${topic}:${result.reason}`,
        {
          event: "event_rejected",
          topic,
          partition,
          offset: record.offset,
          reason: result.reason,
          detail: result.detail,
        },
        "event rejected",
      );
    } else if (result.status === "skipped") {
      telemetry.recordSkipped(topic, result.reason);
    }
  };

  return {
    async handleBatch({ topic, partition, records }: RecordBatch): Promise<BatchOutcome> {
      const kind = kinds.get(topic);
      if (kind === undefined) throw new Error(`record batch from unsubscribed topic ${topic}`);
      for (let start = 0; start < records.length; start += RECORDS_PER_SLICE) {
        if (start > 0) await yieldToEventLoop();
        const end = Math.min(records.length, start + RECORDS_PER_SLICE);
        const events: DomainEvent[] = [];
        for (let i = start; i < end; i++) {
          const record = records[i] as SourceRecord;
          let result = decode(kind, record.value);
          if (result.status === "needs_schema" && schemas) {
            const loaded = await schemas.load(result.schemaId);
            if (!loaded.settled) {
              aggregator.applyBatch(events);
              telemetry.recordConsumed(topic, i - start);
              return {
                status: "held",
                nextOffset: record.offset,
                retryAfterMs: loaded.retryAfterMs,
                reason: loaded.detail,
              };
            }
            result = decode(kind, record.value);
          }
          if (result.status === "ok") events.push(result.event);
          else if (result.status === "needs_schema")
            throw new Error(`schema ${result.schemaId} still missing after it was loaded`);
          else account(topic, partition, record, result);
        }
        aggregator.applyBatch(events);
        telemetry.recordConsumed(topic, end - start);
      }
      return DONE;
    },
  };
}
