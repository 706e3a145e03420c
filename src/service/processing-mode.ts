import { type Admin, type Kafka, type PartitionAssigner, PartitionAssigners } from "kafkajs";
import type { Logger } from "pino";
import type { StreamModel } from "../aggregate/stream-model.js";
import type { Config } from "../config/settings.js";
import type { DeadLetterLimits } from "../dead-letter/dead-letter-limits.js";
import { DeadLetterProducer, type DeadLetterTelemetry } from "../dead-letter/dead-letter-producer.js";
import type { ReadinessCheck } from "../expose/http/health-routes.js";
import { copartitionedAssigner, type TopicPartition } from "../source/copartitioned-assigner.js";
import type { RecentBrokerErrors } from "../state/kafka-errors.js";
import type { RejectRouting } from "../state/lifecycle/consume-batch.js";
import type { KeepPolicy } from "../state/lifecycle/keep-partition.js";
import { changelogTopicName, ensureChangelogTopics } from "../state/store/changelog-topics.js";
import { DurableStore, type DurableStoreTelemetry } from "../state/store/durable-store.js";
import { MemoryStore } from "../state/store/memory-store.js";
import type { StateStore } from "../state/store/state-store.js";

/**
 * How partitions are processed, as one object: where their state lives, where
 * their rejects go, whether an owned partition must prove it still is, how
 * often it is committed, who commits the consumer's offsets and how the
 * group assigns partitions. Durable and memory mode differ only here.
 */
export interface ProcessingMode {
  readonly store: StateStore;
  readonly rejects: RejectRouting;
  readonly keep: KeepPolicy;
  /** How often each partition is committed (durable: `STATE_COMMIT_INTERVAL`) or shown (memory: 50 ms). */
  readonly intervalMs: number;
  /** True when kafkajs commits the consumer's offsets itself (memory mode; durable mode commits them in transactions). */
  readonly autoCommit: boolean;
  /** Each event topic's changelog (durable mode). */
  readonly changelogOf: ReadonlyMap<string, string>;
  /** The group's assignors, most preferred first. */
  assigners(owned: () => readonly TopicPartition[]): PartitionAssigner[];
  /** Makes what the mode needs of Kafka for these event topics ready (durable mode: their changelogs). */
  readonly prepare: ((topics: readonly string[]) => Promise<void>) | undefined;
  /** Readiness checks of the mode's own parts (memory mode: the dead-letter producer). */
  readonly checks: readonly ReadinessCheck[];
  close(): Promise<void>;
}

/** What either mode is made from. */
export interface ProcessingModeParts {
  readonly config: Config;
  readonly topics: readonly string[];
  readonly models: ReadonlyMap<string, StreamModel>;
  /** A Kafka client; `heard`, when given, hears what its brokers answer. */
  readonly kafka: (logger: Logger, heard?: RecentBrokerErrors) => Kafka;
  /** The admin client the state uses (durable mode), whose broker answers go to `heard`. */
  readonly stateAdmin: () => Admin;
  readonly deadLetterLimits: DeadLetterLimits;
  readonly telemetry: DurableStoreTelemetry & DeadLetterTelemetry;
  readonly logger: Logger;
}

/** Broker-side limit of one transaction; commits take milliseconds, so only a stuck one gets near it. */
const TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * How often memory mode shows what was applied: often enough that `/metrics`
 * lags by well under a quarter of a second (the publish and the text made
 * after it cost what changed, not what exists), seldom enough that a label
 * set's text is made once for many of its events.
 */
const MEMORY_PUBLISH_INTERVAL_MS = 50;

/** The mode `STATE_MODE` names: the one place that tells them apart. */
export function processingMode(parts: ProcessingModeParts): ProcessingMode {
  return parts.config.stateMode === "durable" ? durableMode(parts) : memoryMode(parts);
}

/**
 * Exactly once: state in a compacted changelog per event topic, committed
 * with the input offsets and the dead letters in one transaction per
 * partition; input partition p and changelog partition p assigned together.
 */
function durableMode({
  config,
  topics,
  models,
  kafka,
  stateAdmin,
  deadLetterLimits,
  telemetry,
  logger,
}: ProcessingModeParts): ProcessingMode {
  const changelogOf = new Map(
    topics.map((topic) => [topic, changelogTopicName(config.stateChangelogTopic, config.groupId, topic)]),
  );
  const admin = stateAdmin();
  const stateLogger = logger.child({ component: "state" });
  return {
    store: new DurableStore({
      kafkaFor: (heard) => kafka(stateLogger, heard),
      admin,
      models,
      options: {
        groupId: config.groupId,
        fromBeginning: config.fromBeginning,
        seriesLimit: config.seriesLimit,
        transactionTimeoutMs: TRANSACTION_TIMEOUT_MS,
        deadLetterTemplate: config.deadLetterTopic,
      },
      telemetry,
      deadLetterLimits,
    }),
    rejects: { sink: undefined, withCommit: config.deadLetterTopic !== undefined },
    keep: () => "prove",
    intervalMs: config.stateCommitInterval,
    autoCommit: false,
    changelogOf,
    assigners: (owned) => [copartitionedAssigner({ inputs: topics, changelogOf, owned })],
    prepare: (inputs) =>
      ensureChangelogTopics(
        admin,
        inputs.map((input) => ({ input, changelog: changelogOf.get(input) as string })),
        config.stateChangelogReplication,
      ),
    checks: [],
    close: () => admin.disconnect(),
  };
}

/**
 * At least once: state in this process only, offsets committed by kafkajs
 * after each batch, rejects written by a producer of their own before their
 * batch's offsets are committed.
 */
function memoryMode({
  config,
  topics,
  models,
  kafka,
  deadLetterLimits,
  telemetry,
  logger,
}: ProcessingModeParts): ProcessingMode {
  const deadLetterLogger = logger.child({ component: "dead-letter" });
  const deadLetters =
    config.deadLetterTopic === undefined
      ? undefined
      : new DeadLetterProducer(
          kafka(deadLetterLogger),
          config.deadLetterTopic,
          deadLetterLimits,
          telemetry,
          deadLetterLogger,
        );
  return {
    store: new MemoryStore(models, config.seriesLimit),
    rejects: { sink: deadLetters, withCommit: false },
    keep: (missedGeneration) => (missedGeneration ? "reopen" : "keep"),
    intervalMs: MEMORY_PUBLISH_INTERVAL_MS,
    autoCommit: true,
    changelogOf: new Map(),
    // kafkajs's round robin too: a group of replicas of an earlier release agrees on it.
    assigners: (owned) => [
      copartitionedAssigner({ inputs: topics, changelogOf: new Map(), owned }),
      PartitionAssigners.roundRobin,
    ],
    prepare: undefined,
    checks: deadLetters ? [{ name: "dead_letter", status: () => deadLetters.currentStatus() }] : [],
    close: async () => {
      await deadLetters?.close();
    },
  };
}
