import type { Kafka, Producer } from "kafkajs";
import type { Logger } from "pino";
import { dependencyBackoff, type Unavailable } from "../util/backoff.js";
import { type ComponentStatus, notReady, ready } from "../util/component-status.js";
import { type DeadLetter, type DeadLetterSink, deadLetterMessage, deadLetterTopic } from "./dead-letter.js";

/** What the dead-letter producer reports; `SelfMetrics` implements it. */
export interface DeadLetterTelemetry {
  recordDeadLetters(topic: string, count: number): void;
  recordDeadLetterFailure(): void;
}

/**
 * Writes rejected records to their dead-letter topic with an idempotent
 * producer and acknowledgement from every in-sync replica. The topic is
 * never auto-created: a missing one is an outage the operator must see
 * (`/readyz`), not a topic appearing by surprise.
 */
export class DeadLetterProducer implements DeadLetterSink {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;
  private readonly backoff = dependencyBackoff();
  private outage: string | undefined;

  constructor(
    kafka: Kafka,
    private readonly topicTemplate: string,
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
    const byTopic = new Map<string, ReturnType<typeof deadLetterMessage>[]>();
    for (const letter of letters) {
      const topic = deadLetterTopic(this.topicTemplate, letter.topic);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), deadLetterMessage(letter)]);
    }
    try {
      this.connected ??= this.producer.connect();
      await this.connected;
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      this.connected = undefined;
      this.telemetry.recordDeadLetterFailure();
      const retryAfterMs = this.backoff.fail();
      this.outage = `cannot write to the dead-letter topic ${[...byTopic.keys()].join(", ")}: ${(error as Error).message}`;
      this.logger.warn(
        { event: "dead_letter_failed", error: (error as Error).message, retryInMs: retryAfterMs },
        this.outage,
      );
      return { retryAfterMs, detail: this.outage };
    }
    this.backoff.reset();
    this.outage = undefined;
    for (const [topic, messages] of byTopic) this.telemetry.recordDeadLetters(topic, messages.length);
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
