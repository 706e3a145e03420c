import { z } from "zod";
import { setting } from "./setting-spec.js";
import { settingText } from "./value-parsers.js";

/** How events become state: limits on what a producer can make the service hold, where state lives, where rejects go, the schema registry. */
export const PROCESSING_SETTINGS = {
  maxEventBytes: setting({
    env: "MAX_EVENT_BYTES",
    flag: "--max-event-bytes",
    description: "larger messages are rejected as too_large without being parsed",
    defaultValue: "65536",
    expected: "a positive integer number of bytes",
    type: settingText.positiveInt,
  }),
  seriesLimit: setting({
    env: "SERIES_LIMIT",
    flag: "--series-limit",
    description: "label sets per metric and input partition; beyond it new label sets fold into __overflow__",
    defaultValue: "10000",
    expected: "a positive integer",
    type: settingText.positiveInt,
  }),
  seriesTtl: setting({
    env: "SERIES_TTL",
    flag: "--series-ttl",
    description:
      "forget label sets that saw no event for this long, measured in their partition's record time (0 or off: keep them)",
    defaultValue: "off",
    expected: "a duration such as 1h, or off",
    type: settingText.optionalDurationMs,
  }),
  labelMaxLength: setting({
    env: "LABEL_MAX_LENGTH",
    flag: "--label-max-length",
    description: "label values longer than this are cut (after control characters are removed)",
    defaultValue: "128",
    expected: "a positive integer",
    type: settingText.positiveInt,
  }),
  stateMode: setting({
    env: "STATE_MODE",
    flag: "--state-mode",
    description:
      "durable: metric state is kept in a compacted changelog in Kafka and committed with the offsets in transactions (exact, survives restarts); memory: state in the process only (at-least-once, resets on restart)",
    defaultValue: "durable",
    expected: "durable or memory",
    type: settingText.stateMode,
  }),
  stateCommitInterval: setting({
    env: "STATE_COMMIT_INTERVAL",
    flag: "--state-commit-interval",
    description:
      "how often each partition's state, dead letters and offset are committed (durable mode); /metrics shows committed state, so this is its freshness",
    defaultValue: "1s",
    expected: "a duration such as 1s or 500ms, at least 100ms and at most 60s",
    type: settingText.durationMs.pipe(z.number().min(100).max(60_000)),
  }),
  stateChangelogTopic: setting({
    env: "STATE_CHANGELOG_TOPIC",
    flag: "--state-changelog-topic",
    description:
      "changelog topic of each input topic (durable mode), {group} standing for the group id and {topic} for the input topic; created compacted when missing",
    defaultValue: "{group}-{topic}-changelog",
    expected: "a Kafka topic name containing {topic}, may contain {group}",
    type: settingText.changelogTemplate,
  }),
  stateChangelogReplication: setting({
    env: "STATE_CHANGELOG_REPLICATION_FACTOR",
    flag: "--state-changelog-replication-factor",
    description:
      "replication factor of a changelog topic the service creates (empty: the broker's default.replication.factor)",
    defaultValue: "",
    expected: "a positive integer, or empty",
    type: settingText.optionalPositiveInt,
  }),
  deadLetterTopic: setting({
    env: "DEAD_LETTER_TOPIC",
    flag: "--dead-letter-topic",
    description:
      "topic that receives every rejected record byte for byte, {topic} standing for its source topic, e.g. {topic}.dlq (empty: rejects are only counted and logged)",
    defaultValue: "",
    expected: "a Kafka topic name, may contain {topic}, or empty",
    type: settingText.optionalTopicTemplate,
  }),
  schemaRegistryUrl: setting({
    env: "SCHEMA_REGISTRY_URL",
    flag: "--schema-registry-url",
    description:
      "Confluent-compatible schema registry for framed Avro / JSON Schema events (empty: such events are rejected as registry_not_configured)",
    defaultValue: "",
    expected: "an http:// or https:// URL, or empty",
    type: settingText.optionalUrl,
  }),
  schemaRegistryUsername: setting({
    env: "SCHEMA_REGISTRY_USERNAME",
    flag: "--schema-registry-username",
    description: "basic-auth user for the schema registry (empty: no authentication)",
    defaultValue: "",
    expected: "a string",
    type: settingText.optionalText,
  }),
  schemaRegistryPassword: setting({
    env: "SCHEMA_REGISTRY_PASSWORD",
    flag: "--schema-registry-password",
    description: "basic-auth password for the schema registry; or SCHEMA_REGISTRY_PASSWORD_FILE",
    defaultValue: "",
    expected: "a string",
    type: settingText.optionalText,
    secret: true,
  }),
  schemaRegistryTimeout: setting({
    env: "SCHEMA_REGISTRY_TIMEOUT",
    flag: "--schema-registry-timeout",
    description: "longest one registry request may take before it counts as an outage",
    defaultValue: "5s",
    expected: "a duration such as 5s",
    type: settingText.durationMs,
  }),
} as const;
