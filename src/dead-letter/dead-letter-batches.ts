import { yieldToEventLoop } from "../util/yield-to-event-loop.js";
import {
  type DeadLetter,
  type DeadLetterMessage,
  deadLetterMessage,
  deadLetterTopic,
} from "./dead-letter.js";

/** Header names of a dead letter whose payload had to be cut to fit its topic. */
export const CUT_HEADERS = {
  truncated: "dlq.truncated",
  originalBytes: "dlq.original.size",
  droppedHeaders: "dlq.headers.dropped",
} as const;

/**
 * Bytes a produce request for one partition carries at most here, the unit in
 * which dead letters are sent: kafkajs encodes a request in one synchronous
 * step (about 10 µs a record), so 64 KiB holds the event loop a few
 * milliseconds, and Kafka puts each request's records of a partition in one
 * record batch, which must fit the topic's `max.message.bytes`.
 */
const CHUNK_BYTES = 64 * 1024;

/** A record batch's own bytes (v2 header), and what a record may add beyond its key, value and headers. */
const BATCH_OVERHEAD = 61;
const RECORD_OVERHEAD = 32;
const HEADER_OVERHEAD = 10;
/** Room kept below the limit for what the estimate does not count exactly. */
const MARGIN = 256;

/** Dead letters handled between two yields to the event loop. */
const LETTERS_PER_SLICE = 500;

/** The dead letters of a commit, grouped by topic and cut into sendable chunks. */
export interface DeadLetterBatches {
  /** Per dead-letter topic, chunks of records, each under the topic's limit and {@link CHUNK_BYTES}. */
  readonly chunks: ReadonlyMap<string, readonly DeadLetterMessage[][]>;
  /** Records per dead-letter topic. */
  readonly counts: ReadonlyMap<string, number>;
  /** Records per dead-letter topic whose payload (and perhaps headers) were cut to fit. */
  readonly cut: ReadonlyMap<string, number>;
}

/** The bytes a record takes in a record batch, a little over rather than under. */
export function recordBytes(message: DeadLetterMessage): number {
  let bytes = RECORD_OVERHEAD + (message.key?.length ?? 0) + (message.value?.length ?? 0);
  const headers = message.headers;
  for (const name in headers) {
    const value = headers[name] as Buffer | string | (Buffer | string)[];
    if (Array.isArray(value)) {
      for (const one of value) bytes += HEADER_OVERHEAD + name.length + Buffer.byteLength(one);
    } else bytes += HEADER_OVERHEAD + name.length + Buffer.byteLength(value);
  }
  return bytes;
}

/**
 * Makes a record that a topic accepting `maxMessageBytes` per record batch
 * takes: unchanged when it fits; else its value cut (and, if its own headers
 * alone are too large, those left out), with headers saying so and how large
 * it was. Where the original is, its source topic, partition and offset
 * headers say. `undefined` when it fits as it is.
 */
export function cutToFit(message: DeadLetterMessage, maxMessageBytes: number): DeadLetterMessage | undefined {
  const room = maxMessageBytes - BATCH_OVERHEAD - MARGIN;
  const size = recordBytes(message);
  if (size <= room) return undefined;
  const original = String(message.value?.length ?? 0);
  const marks = { [CUT_HEADERS.truncated]: "true", [CUT_HEADERS.originalBytes]: original };
  let headers: DeadLetterMessage["headers"] = { ...message.headers, ...marks };
  let without = recordBytes({ key: message.key, value: null, headers });
  if (without > room) {
    // The record's own headers do not fit: only the dead-letter headers are kept.
    const own = Object.keys(message.headers).filter((name) => !name.startsWith("dlq."));
    headers = { ...dlqHeaders(message.headers), ...marks, [CUT_HEADERS.droppedHeaders]: String(own.length) };
    without = recordBytes({ key: message.key, value: null, headers });
  }
  const keep = Math.max(0, Math.min(message.value?.length ?? 0, room - without));
  return { key: message.key, value: message.value?.subarray(0, keep) ?? null, headers };
}

function dlqHeaders(headers: DeadLetterMessage["headers"]): DeadLetterMessage["headers"] {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith("dlq.")));
}

/**
 * Turns a commit's rejects into dead-letter records, grouped by dead-letter
 * topic (linear in the rejects) and cut into chunks a produce request takes;
 * records too large for their topic are cut to fit. Yields to the event loop
 * every {@link LETTERS_PER_SLICE} letters: a flood of rejects must not hold it.
 */
export async function deadLetterBatches(
  letters: readonly DeadLetter[],
  template: string,
  maxMessageBytes: (topic: string) => Promise<number>,
): Promise<DeadLetterBatches> {
  const chunks = new Map<string, DeadLetterMessage[][]>();
  const counts = new Map<string, number>();
  const cut = new Map<string, number>();
  const limits = new Map<string, number>();
  const open = new Map<string, { records: DeadLetterMessage[]; bytes: number }>();
  for (let i = 0; i < letters.length; i++) {
    if (i > 0 && i % LETTERS_PER_SLICE === 0) await yieldToEventLoop();
    const letter = letters[i] as DeadLetter;
    const topic = deadLetterTopic(template, letter.topic);
    let limit = limits.get(topic);
    if (limit === undefined) {
      limit = await maxMessageBytes(topic);
      limits.set(topic, limit);
      chunks.set(topic, []);
    }
    let message = deadLetterMessage(letter);
    let bytes = recordBytes(message);
    if (bytes > limit - BATCH_OVERHEAD - MARGIN) {
      message = cutToFit(message, limit) ?? message;
      bytes = recordBytes(message);
      cut.set(topic, (cut.get(topic) ?? 0) + 1);
    }
    let chunk = open.get(topic);
    if (
      chunk === undefined ||
      (chunk.records.length > 0 &&
        chunk.bytes + bytes > Math.min(CHUNK_BYTES, limit - BATCH_OVERHEAD - MARGIN))
    ) {
      chunk = { records: [], bytes: 0 };
      open.set(topic, chunk);
      (chunks.get(topic) as DeadLetterMessage[][]).push(chunk.records);
    }
    chunk.records.push(message);
    chunk.bytes += bytes;
    counts.set(topic, (counts.get(topic) ?? 0) + 1);
  }
  return { chunks, counts, cut };
}
