import type { Aggregator } from "../aggregate/event-aggregator.js";
import type { DomainEvent, EventKind } from "../decode/domain-event.js";
import type { MessageDecoder } from "../decode/message-decoder.js";
import type { RejectReason, SkipReason } from "../decode/reject-reason.js";
import type { RateLimitedLog } from "../log/rate-limited-log.js";
import type { BatchSink, RecordBatch } from "../source/record-batch.js";

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

/**
 * Decodes a batch in one pass and applies its valid events to the aggregator
 * at once. A bad record is counted and logged (rate-limited) and never stops
 * the batch: its offset is committed with the rest.
 */
export function createEventPipeline({
  kinds,
  decode,
  aggregator,
  telemetry,
  rejectLog,
}: EventPipelineParts): BatchSink {
  return {
    handleBatch({ topic, partition, records }: RecordBatch): void {
      const kind = kinds.get(topic);
      if (kind === undefined) throw new Error(`record batch from unsubscribed topic ${topic}`);
      const events: DomainEvent[] = [];
      for (const record of records) {
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
      telemetry.recordConsumed(topic, records.length);
    },
  };
}
