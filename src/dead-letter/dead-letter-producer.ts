import type { Kafka, Message, Producer } from "kafkajs";
import type { Logger } from "pino";
import { dependencyBackoff, type Unavailable } from "../util/backoff.js";
import { type ComponentStatus, notReady, ready } from "../util/component-status.js";
import { yieldToEventLoop } from "../util/yield-to-event-loop.js";
import type { DeadLetter, DeadLetterSink } from "./dead-letter.js";
import { deadLetterBatches } from "./dead-letter-batches.js";
import type { DeadLetterLimits } from "./dead-letter-limits.js";

/** What the dead-letter producer reports; `SelfMetrics` implements it. */
export interface DeadLetterTelemetry {
  recordDeadLetters(topic: string, count: number): void;
  recordDeadLettersCut(topic: string, count: number): void;
  recordDeadLetterFailure(): void;
}

/**
 * Writes rejected records to their dead-letter topic with an idempotent
 * producer and acknowledgement from every in-sync replica. The topic is
 * never auto-created: a missing one is an outage the operator must see
 * (`/readyz`), not a topic appearing by surprise. Records go in requests
 * that fit the topic's limit, a record too large for it cut to fit
 * (`dead-letter-batches.ts`), with a yield to the event loop between two.
 */
export class DeadLetterProducer implements DeadLetterSink {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;
  private readonly backoff = dependencyBackoff();
  private outage: string | undefined;

  constructor(
    kafka: Kafka,
    private readonly topicTemplate: string,
    private readonly limits: DeadLetterLimits,
    private readonly telemetry: DeadLetterTelemetry,
    private readonly logger: Logger,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 3, initialRetryTime: 200 },
    });
  }

  async send(letters: readonly DeadLetter[]): Promise<Unavailable | undefined> {
    if (letters.length === 0) return undefined;
    const batches = await deadLetterBatches(letters, this.topicTemplate, (topic) =>
      this.limits.maxMessageBytes(topic),
    );
    try {
      this.connected ??= this.producer.connect();
      await this.connected;
      for (const [topic, chunks] of batches.chunks) {
        for (const messages of chunks) {
          await this.producer.send({ topic, acks: -1, messages: messages as Message[] });
          await yieldToEventLoop();
        }
      }
    } catch (error) {
      this.connected = undefined;
      this.telemetry.recordDeadLetterFailure();
      const retryAfterMs = this.backoff.fail();
      this.outage = `cannot write to the dead-letter topic ${[...batches.chunks.keys()].join(", ")}: ${(error as Error).message}`;
      this.logger.warn(
        { event: "dead_letter_failed", error: (error as Error).message, retryInMs: retryAfterMs },
        this.outage,
      );
      return { retryAfterMs, detail: this.outage };
    }
    this.backoff.reset();
    this.outage = undefined;
    for (const [topic, count] of batches.counts) this.telemetry.recordDeadLetters(topic, count);
    for (const [topic, count] of batches.cut) this.telemetry.recordDeadLettersCut(topic, count);
    return undefined;
  }

  /** Ready unless the last write failed. */
  currentStatus(): ComponentStatus {
    return this.outage === undefined
      ? ready(`writing rejects to ${this.topicTemplate}`)
      : notReady(this.outage);
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
