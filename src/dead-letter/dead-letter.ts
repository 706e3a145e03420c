import type { RejectReason } from "../events/reject-reason.js";
import type { SourceRecord } from "../source/record-batch.js";
import type { Unavailable } from "../util/backoff.js";

/** A rejected record on its way to the dead-letter topic. */
export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly record: SourceRecord;
  readonly reason: RejectReason;
  readonly detail: string;
}

/**
 * Where rejected records go before their offsets may be committed. `send`
 * resolves `undefined` once the broker acknowledged every record, or says
 * when to try again; it never throws for a broker problem.
 */
export interface DeadLetterSink {
  send(letters: readonly DeadLetter[]): Promise<Unavailable | undefined>;
}

/** Header names added to a dead letter; the record's own headers are kept beside them. */
export const DEAD_LETTER_HEADERS = {
  reason: "dlq.reason",
  error: "dlq.error",
  topic: "dlq.source.topic",
  partition: "dlq.source.partition",
  offset: "dlq.source.offset",
} as const;

/** The dead-letter topic of a source topic: `{topic}` in the template is replaced by its name. */
export function deadLetterTopic(template: string, sourceTopic: string): string {
  return template.replaceAll("{topic}", sourceTopic);
}

/** A record written to a dead-letter topic. */
export interface DeadLetterMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[]>>;
}

/** Characters of a reject's detail kept in its `dlq.error` header (a detail quotes the input). */
const MAX_DETAIL = 1_000;

/** The Kafka message written for a dead letter: the original key, value and headers, plus why. */
export function deadLetterMessage(letter: DeadLetter): DeadLetterMessage {
  const headers: Record<string, Buffer | string | (Buffer | string)[]> = {};
  for (const [name, value] of Object.entries(letter.record.headers ?? {})) {
    if (value !== undefined) headers[name] = value;
  }
  headers[DEAD_LETTER_HEADERS.reason] = letter.reason;
  headers[DEAD_LETTER_HEADERS.error] =
    letter.detail.length > MAX_DETAIL ? `${letter.detail.slice(0, MAX_DETAIL)}…` : letter.detail;
  headers[DEAD_LETTER_HEADERS.topic] = letter.topic;
  headers[DEAD_LETTER_HEADERS.partition] = String(letter.partition);
  headers[DEAD_LETTER_HEADERS.offset] = letter.record.offset;
  return { key: letter.record.key ?? null, value: letter.record.value, headers };
}
