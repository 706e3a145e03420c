import { z } from "zod";
import { setting } from "./setting-spec.js";
import { settingText } from "./value-parsers.js";

/** The brokers, the group and the fetches: how the service reads Kafka. */
export const KAFKA_SETTINGS = {
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
} as const;
