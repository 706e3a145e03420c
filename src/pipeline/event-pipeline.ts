import type { Aggregator } from "../aggregate/event-aggregator.js";
import type { DomainEvent, EventKind } from "../decode/domain-event.js";
import type { MessageDecoder } from "../decode/message-decoder.js";
import type { RejectReason, SkipReason } from "../decode/reject-reason.js";
import type { RateLimitedLog } from "../log/rate-limited-log.js";
import type { BatchSink, RecordBatch, SourceRecord } from "../source/record-batch.js";
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
}

/** Records decoded and applied between two yields to the event loop. */
const RECORDS_PER_SLICE = 2_000;

/**
 * Decodes a batch in one pass and applies its valid events to the aggregator
 * a slice at a time. A fetch can hold tens of thousands of records; yielding
 * between slices keeps `/metrics` and heartbeats answering while it is
 * processed, and the batch's offsets are still committed only after its last
 * slice. A bad record is counted and logged (rate-limited) and never stops the
 * batch: its offset is committed with the rest.
 */
export function createEventPipeline({
  kinds,
  decode,
  aggregator,
  telemetry,
  rejectLog,
}: EventPipelineParts): BatchSink {
  return {
    async handleBatch({ topic, partition, records }: RecordBatch): Promise<void> {
      const kind = kinds.get(topic);
      if (kind === undefined) throw new Error(`record batch from unsubscribed topic ${topic}`);
      for (let start = 0; start < records.length; start += RECORDS_PER_SLICE) {
        if (start > 0) await yieldToEventLoop();
        const end = Math.min(records.length, start + RECORDS_PER_SLICE);
        const events: DomainEvent[] = [];
        for (let i = start; i < end; i++) {
          const record = records[i] as SourceRecord;
          const result = decode(kind, record.value);
          if (result.status === "ok") {
            events.push(result.event);
          } else if (result.status === "rejected") {
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
          } else {
            telemetry.recordSkipped(topic, result.reason);
          }
        }
        aggregator.applyBatch(events);
        telemetry.recordConsumed(topic, end - start);
      }
    },
  };
}
