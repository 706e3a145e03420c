import { z } from "zod";
import { settingText } from "./value-parsers.js";

/** One setting: where it is read from, its default, and the form it must have. */
export interface SettingSpec<T> {
  readonly env: string;
  readonly flag: string;
  readonly description: string;
  readonly defaultValue: string;
  /** Told to the user when the value has the wrong form. */
  readonly expected: string;
  readonly type: z.ZodType<T, string>;
  /**
   * A password or token: also read from the file named by `<env>_FILE`
   * (Docker and Kubernetes secrets), never logged, never echoed in errors.
   */
  readonly secret?: boolean;
}

/** Declares a setting (keeps its value type). */
export function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

/**
 * Every setting of the service. Environment names are an interface:
 * deployments and scripts rely on them. A CLI flag wins over its variable,
 * which wins over the default.
 */
export const SETTINGS = {
  brokers: setting({
    env: "KAFKA_BROKERS",
    flag: "--brokers",
    description: "Kafka bootstrap servers",
    defaultValue: "localhost:9092",
    expected: "a comma-separated list of host:port",
    type: settingText.brokers,
  }),
  clientId: setting({
    env: "KAFKA_CLIENT_ID",
    flag: "--client-id",
    description: "Kafka client id",
    defaultValue: "metrics-aggregator",
    expected: "a non-empty string",
    type: settingText.nonEmpty,
  }),
  saslMechanism: setting({
    env: "KAFKA_SASL_MECHANISM",
    flag: "--sasl-mechanism",
    description:
      "SASL mechanism to authenticate to the brokers: plain, scram-sha-256 or scram-sha-512 (empty: none)",
    defaultValue: "",
    expected: "plain, scram-sha-256, scram-sha-512, or empty",
    type: settingText.saslMechanism,
  }),
  saslUsername: setting({
    env: "KAFKA_SASL_USERNAME",
    flag: "--sasl-username",
    description: "SASL user name",
    defaultValue: "",
    expected: "a string",
    type: settingText.optionalText,
  }),
  saslPassword: setting({
    env: "KAFKA_SASL_PASSWORD",
    flag: "--sasl-password",
    description: "SASL password; or KAFKA_SASL_PASSWORD_FILE",
    defaultValue: "",
    expected: "a string",
    type: settingText.optionalText,
    secret: true,
  }),
  tls: setting({
    env: "KAFKA_TLS",
    flag: "--tls",
    description: "connect to the brokers over TLS, verifying their certificates",
    defaultValue: "false",
    expected: "true or false",
    type: settingText.boolean,
  }),
  tlsCaFile: setting({
    env: "KAFKA_TLS_CA_FILE",
    flag: "--tls-ca-file",
    description: "PEM file of the CAs that sign the brokers' certificates (empty: the system's CAs)",
    defaultValue: "",
    expected: "a path to a readable PEM file, or empty",
    type: settingText.optionalText,
  }),
  groupId: setting({
    env: "KAFKA_GROUP_ID",
    flag: "--group-id",
    description: "consumer group id; replicas share it to split partitions",
    defaultValue: "metrics-aggregator",
    expected: "a non-empty string",
    type: settingText.nonEmpty,
  }),
  detectionTopic: setting({
    env: "DETECTION_TOPIC",
    flag: "--detection-topic",
    description: "topic of the shipped catalogue's detection stream",
    defaultValue: "detection-events",
    expected: "a Kafka topic name (letters, digits, '.', '_', '-')",
    type: settingText.topic,
  }),
  llmTopic: setting({
    env: "LLM_TOPIC",
    flag: "--llm-topic",
    description: "topic of the shipped catalogue's llm stream (LLM calls)",
    defaultValue: "llm-events",
    expected: "a Kafka topic name (letters, digits, '.', '_', '-')",
    type: settingText.topic,
  }),
  topicCheckInterval: setting({
    env: "TOPIC_CHECK_INTERVAL",
    flag: "--topic-check-interval",
    description:
      "how often an event topic of the catalogue that does not exist yet is looked for; its stream is consumed as soon as it appears",
    defaultValue: "10s",
    expected: "a duration from 1s to 1h, such as 10s",
    type: settingText.durationMs.pipe(z.number().min(1_000).max(3_600_000)),
  }),
  fromBeginning: setting({
    env: "KAFKA_FROM_BEGINNING",
    flag: "--from-beginning",
    description:
      "where a group without committed offsets starts: true = earliest retained event, false = new events only",
    defaultValue: "true",
    expected: "true or false",
    type: settingText.boolean,
  }),
  fetchMaxBytesPerPartition: setting({
    env: "KAFKA_FETCH_MAX_BYTES_PER_PARTITION",
    flag: "--fetch-max-bytes-per-partition",
    description:
      "most bytes one fetch returns per partition (a record batch larger than this still comes whole)",
    defaultValue: "524288",
    expected: "a positive integer number of bytes",
    type: settingText.positiveInt,
  }),
  fetchMaxBytes: setting({
    env: "KAFKA_FETCH_MAX_BYTES",
    flag: "--fetch-max-bytes",
    description:
      "most bytes one fetch returns in all: kafkajs decodes a whole fetch in one step on the event loop (some 25 ms per MB of small records), so this bounds that pause and the memory of records in flight",
    defaultValue: "1048576",
    expected: "a positive integer number of bytes",
    type: settingText.positiveInt,
  }),
  sessionTimeout: setting({
    env: "KAFKA_SESSION_TIMEOUT",
    flag: "--session-timeout",
    description:
      "how long the group waits for a member that stopped heartbeating (a crashed replica's partitions move after this)",
    defaultValue: "30s",
    expected:
      "a duration from 6s to 30m (the brokers' default group.min/max.session.timeout.ms), such as 30s",
    type: settingText.durationMs.pipe(
      z
        .number()
        .min(6_000)
        .max(30 * 60_000),
    ),
  }),
  partitionsConcurrently: setting({
    env: "KAFKA_PARTITIONS_CONCURRENTLY",
    flag: "--partitions-concurrently",
    description: "partitions whose batches are processed at the same time",
    defaultValue: "1",
    expected: "a positive integer",
    type: settingText.positiveInt,
  }),
  httpHost: setting({
    env: "HTTP_HOST",
    flag: "--http-host",
    description: "address the HTTP server binds",
    defaultValue: "0.0.0.0",
    expected: "a host name or IP address",
    type: settingText.nonEmpty,
  }),
  httpPort: setting({
    env: "HTTP_PORT",
    flag: "--http-port",
    description: "port of /metrics, /healthz, /readyz and / (0 picks a free port)",
    defaultValue: "9310",
    expected: "an integer from 0 to 65535",
    type: settingText.port,
  }),
  metricsConfig: setting({
    env: "METRICS_CONFIG",
    flag: "--metrics-config",
    description:
      "a metric catalogue (YAML) added to the shipped one, or replacing it with include_builtin: false; see docs/metrics.md",
    defaultValue: "",
    expected: "the path of a catalogue file",
    type: settingText.optionalText,
  }),
  detectionBuckets: setting({
    env: "DETECTION_LATENCY_BUCKETS",
    flag: "--detection-buckets",
    description: "the catalogue's bucket preset detection-latency (detection_latency_seconds), in seconds",
    defaultValue: "0.005,0.01,0.025,0.05,0.075,0.1,0.25,0.5,1,2.5,5,10",
    expected: "comma-separated positive numbers in ascending order",
    type: settingText.buckets,
  }),
  llmBuckets: setting({
    env: "LLM_LATENCY_BUCKETS",
    flag: "--llm-buckets",
    description: "the catalogue's bucket preset llm-latency (llm_latency_seconds), in seconds",
    defaultValue: "0.05,0.1,0.25,0.5,1,2.5,5,10,20,30,60,120",
    expected: "comma-separated positive numbers in ascending order",
    type: settingText.buckets,
  }),
  successRateWindow: setting({
    env: "SUCCESS_RATE_WINDOW",
    flag: "--success-rate-window",
    description: "the catalogue's window preset success-rate (api_key_success_rate)",
    defaultValue: "5m",
    expected: "a duration such as 90s, 5m or 1h",
    type: settingText.durationMs,
  }),
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
  shutdownTimeout: setting({
    env: "SHUTDOWN_TIMEOUT",
    flag: "--shutdown-timeout",
    description: "longest a graceful shutdown may take before the process exits anyway",
    defaultValue: "15s",
    expected: "a duration such as 10s",
    type: settingText.durationMs,
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
  metricsBearerToken: setting({
    env: "METRICS_BEARER_TOKEN",
    flag: "--metrics-bearer-token",
    description:
      "bearer token /metrics, / and /api/status require (empty: open); or METRICS_BEARER_TOKEN_FILE",
    defaultValue: "",
    expected: "a string",
    type: settingText.optionalText,
    secret: true,
  }),
  metricsUsername: setting({
    env: "METRICS_USERNAME",
    flag: "--metrics-username",
    description: "basic-auth user /metrics, / and /api/status require (empty: open)",
    defaultValue: "",
    expected: "a string without ':'",
    type: settingText.optionalUsername,
  }),
  metricsPassword: setting({
    env: "METRICS_PASSWORD",
    flag: "--metrics-password",
    description: "basic-auth password for METRICS_USERNAME; or METRICS_PASSWORD_FILE",
    defaultValue: "",
    expected: "a string",
    type: settingText.optionalText,
    secret: true,
  }),
  logLevel: setting({
    env: "LOG_LEVEL",
    flag: "--log-level",
    description: "fatal, error, warn, info, debug, trace or silent",
    defaultValue: "info",
    expected: "one of fatal, error, warn, info, debug, trace, silent",
    type: settingText.logLevel,
  }),
} as const;

/** The validated configuration, one field per setting. */
export type Config = { readonly [K in keyof typeof SETTINGS]: z.output<(typeof SETTINGS)[K]["type"]> };

/** The settings that fill in the metric catalogue: what `check-config` reads besides the file. */
export const CATALOGUE_SETTINGS = {
  detectionTopic: SETTINGS.detectionTopic,
  llmTopic: SETTINGS.llmTopic,
  detectionBuckets: SETTINGS.detectionBuckets,
  llmBuckets: SETTINGS.llmBuckets,
  successRateWindow: SETTINGS.successRateWindow,
  metricsConfig: SETTINGS.metricsConfig,
};

/** A setting's key. */
export type SettingKey = keyof typeof SETTINGS;
