import { setTimeout as sleep } from "node:timers/promises";
import { type Kafka, type Message, Partitioners } from "kafkajs";
import { EventGenerator, type GeneratedEvent, type GeneratorOptions } from "./event-generator.js";

/** Turns a generated event into the bytes sent: plain JSON, or framed for a schema registry. */
export type PayloadEncoder = (event: GeneratedEvent) => Buffer | string | Promise<Buffer | string>;

/** What a load run is asked to do. */
export interface LoadOptions extends GeneratorOptions {
  readonly detectionTopic: string;
  readonly llmTopic: string;
  /** Events per second. */
  readonly rate: number;
  readonly durationMs: number;
  /** Plain JSON when absent. */
  readonly encode?: PayloadEncoder;
}

/** Counts so far, as the progress line and the summary show them. */
export interface LoadProgress {
  readonly sent: number;
  readonly invalid: number;
  readonly errors: number;
  readonly elapsedMs: number;
  /** Events per second over the whole run so far. */
  readonly rate: number;
  readonly lastError: string | undefined;
}

const TICK_MS = 100;
/** One tick never sends more than this many ticks' worth: a stalled broker is not answered with a burst. */
const MAX_CATCH_UP_TICKS = 10;

/**
 * Produces generated events at a steady rate, in one batch per 100 ms tick,
 * until `rate × duration` events are out (sent or failed) or `signal` aborts.
 * The total is exact so that a run's summary can be checked against what a
 * consumer counted, whatever the timer's jitter. Failed sends are counted, not
 * retried past kafkajs's own retries: a load generator must not stall.
 */
export async function runLoad(
  kafka: Kafka,
  options: LoadOptions,
  onProgress: (progress: LoadProgress) => void,
  signal?: AbortSignal,
): Promise<LoadProgress> {
  const generator = new EventGenerator(options);
  // Idempotent: a send retried after a timeout must not write its events twice, or the summary would lie.
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const started = Date.now();
  let sent = 0;
  let invalid = 0;
  let errors = 0;
  let lastError: string | undefined;
  let lastReport = started;
  const progress = (): LoadProgress => {
    const elapsedMs = Date.now() - started;
    return {
      sent,
      invalid,
      errors,
      elapsedMs,
      rate: elapsedMs > 0 ? (sent * 1000) / elapsedMs : 0,
      lastError,
    };
  };
  const total = Math.floor((options.rate * options.durationMs) / 1000);
  try {
    while (!signal?.aborted && sent + errors < total) {
      const elapsed = Math.min(Date.now() - started, options.durationMs);
      const due = Math.floor((options.rate * elapsed) / 1000) - sent - errors;
      const count = Math.min(due, Math.ceil((options.rate * TICK_MS * MAX_CATCH_UP_TICKS) / 1000));
      if (count > 0) {
        const detections: Message[] = [];
        const llms: Message[] = [];
        const now = Date.now();
        for (let i = 0; i < count; i++) {
          const event = generator.next(now);
          const value = options.encode ? await options.encode(event) : event.value;
          (event.kind === "detection" ? detections : llms).push({ key: event.key, value });
          if (!event.valid) invalid++;
        }
        try {
          await producer.sendBatch({
            topicMessages: [
              { topic: options.detectionTopic, messages: detections },
              { topic: options.llmTopic, messages: llms },
            ].filter((t) => t.messages.length > 0),
          });
          sent += count;
        } catch (error) {
          errors += count;
          lastError = (error as Error).message;
        }
      }
      if (Date.now() - lastReport >= 1_000) {
        lastReport = Date.now();
        onProgress(progress());
      }
      await sleep(TICK_MS, undefined, { signal }).catch(() => {});
    }
  } finally {
    await producer.disconnect();
  }
  return progress();
}

/** One progress line: sent, rate, invalid, errors. */
export function formatProgress(p: LoadProgress): string {
  const parts = [
    `sent ${p.sent.toLocaleString("en-US")}`,
    `rate ${Math.round(p.rate).toLocaleString("en-US")}/s`,
    `invalid ${p.invalid.toLocaleString("en-US")}`,
    `errors ${p.errors.toLocaleString("en-US")}`,
    `${(p.elapsedMs / 1000).toFixed(0)} s`,
  ];
  return parts.join("  ");
}
