import { setTimeout as sleep } from "node:timers/promises";
import type { Admin } from "kafkajs";
import type { Logger } from "pino";
import type { EventTopics } from "../source/event-topics.js";
import { describeError, isConnectionError, rootMessage } from "../state/kafka-errors.js";
import { ChangelogSetupError } from "../state/store/changelog-topics.js";
import { dependencyBackoff } from "../util/backoff.js";

/** What the setup drives, and where it says what it waits for. */
export interface KafkaSetupParts {
  /** An admin client whose requests give up within a few seconds (the loop retries, and says why). */
  readonly admin: Admin;
  readonly brokers: readonly string[];
  readonly topics: EventTopics;
  /** Makes the state changelogs of these event topics ready (durable mode); throws a {@link ChangelogSetupError}. */
  readonly prepareState?: (topics: readonly string[]) => Promise<void>;
  /** Consumes these event topics from now on (the first call starts the consumer). */
  readonly consume: (topics: readonly string[]) => Promise<void>;
  /** Why the brokers cannot be used (`undefined` once they answer): the `kafka` readiness check. */
  readonly reportConnection: (problem: string | undefined) => void;
  /** Why the state cannot be prepared (`undefined` once it is): the `state` readiness check. */
  readonly reportState: (problem: string | undefined) => void;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** How often event topics that do not exist yet are looked for (`TOPIC_CHECK_INTERVAL`). */
  readonly pollIntervalMs: number;
}

/**
 * Connects, finds which event topics exist, prepares their state and starts
 * consuming them; then, while some event topic does not exist yet, looks for
 * it every `pollIntervalMs` and, when it appears, prepares its
 * state and has the consumer take it on. Every failure is said where an
 * operator looks (`/readyz`, one log line per attempt) within the few seconds
 * a request takes to fail, and retried with backoff: brokers that cannot be
 * reached, a changelog that cannot be created. Resolves when every event
 * topic is consumed, or when `signal` aborts.
 */
export async function runKafkaSetup(parts: KafkaSetupParts): Promise<void> {
  const { admin, topics, logger, signal } = parts;
  const backoff = dependencyBackoff();
  let consumed: readonly string[] = [];
  while (!signal.aborted) {
    let waitMs = parts.pollIntervalMs;
    let step: "connecting" | "listing" | "preparing" = "connecting";
    try {
      await admin.connect();
      step = "listing";
      const appeared = topics.update(new Set(await admin.listTopics()));
      parts.reportConnection(undefined);
      if (appeared.length > 0 && consumed.length > 0) {
        logger.info({ event: "topics_appeared", topics: appeared }, "event topics appeared; consuming them");
      }
      const wanted = topics.present;
      if (wanted.some((topic) => !consumed.includes(topic))) {
        step = "preparing";
        await parts.prepareState?.(wanted);
        step = "listing";
        parts.reportState(undefined);
        await parts.consume(wanted);
        consumed = wanted;
      }
      if (topics.missing.length > 0 && consumed.length === 0) {
        logger.warn(
          { event: "topics_missing", topics: topics.missing },
          "no event topic exists yet; waiting",
        );
      }
      backoff.reset();
      if (topics.missing.length === 0) return;
    } catch (error) {
      waitMs = backoff.fail();
      if (isConnectionError(error) || step === "connecting") {
        const verb = isConnectionError(error) ? "reach" : "connect to";
        const problem = `cannot ${verb} the brokers ${parts.brokers.join(",")}: ${rootMessage(error)}`;
        parts.reportConnection(problem);
        logger.warn({ event: "kafka_unreachable", problem, retryInMs: waitMs }, problem);
      } else if (step === "preparing") {
        const problem =
          error instanceof ChangelogSetupError
            ? error.message
            : `cannot prepare the state changelogs: ${describeError(error)}`;
        parts.reportState(problem);
        logger.warn({ event: "changelog_setup_failed", problem, retryInMs: waitMs }, problem);
      } else {
        const problem = `cannot list the topics: ${describeError(error)}`;
        parts.reportConnection(problem);
        logger.warn({ event: "topic_listing_failed", problem, retryInMs: waitMs }, problem);
      }
    }
    await sleep(waitMs, undefined, { signal }).catch(() => {});
  }
}
