import { describe, expect, it } from "vitest";
import { catalogueSettings } from "../../src/catalogue/catalogue-settings.js";
import { loadCatalogue } from "../../src/catalogue/load-catalogue.js";
import { ConfigError } from "../../src/config/config-error.js";
import { checkChangelogNames, loadConfig, redactSecrets } from "../../src/config/load-config.js";
import { SETTINGS } from "../../src/config/settings.js";

describe("loadConfig", () => {
  it("has the documented defaults", () => {
    expect(loadConfig({}, {})).toEqual({
      brokers: ["localhost:9092"],
      clientId: "metrics-aggregator",
      saslMechanism: undefined,
      saslUsername: undefined,
      saslPassword: undefined,
      tls: false,
      tlsCaFile: undefined,
      groupId: "metrics-aggregator",
      detectionTopic: "detection-events",
      llmTopic: "llm-events",
      topicCheckInterval: 10_000,
      fromBeginning: true,
      fetchMaxBytesPerPartition: 524_288,
      fetchMaxBytes: 1_048_576,
      partitionsConcurrently: 1,
      sessionTimeout: 30_000,
      httpHost: "0.0.0.0",
      httpPort: 9310,
      detectionBuckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      llmBuckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120],
      successRateWindow: 300_000,
      maxEventBytes: 65_536,
      seriesLimit: 10_000,
      seriesTtl: 0,
      labelMaxLength: 128,
      stateMode: "durable",
      stateCommitInterval: 1_000,
      stateChangelogTopic: "{group}-{topic}-changelog",
      stateChangelogReplication: undefined,
      shutdownTimeout: 15_000,
      deadLetterTopic: undefined,
      schemaRegistryUrl: undefined,
      schemaRegistryUsername: undefined,
      schemaRegistryPassword: undefined,
      schemaRegistryTimeout: 5_000,
      metricsBearerToken: undefined,
      metricsUsername: undefined,
      metricsPassword: undefined,
      logLevel: "info",
    });
  });

  it("reads environment variables, and flags win over them", () => {
    const config = loadConfig(
      { httpPort: "9999" },
      {
        KAFKA_BROKERS: "a:9092, b:9093",
        HTTP_PORT: "1234",
        KAFKA_FROM_BEGINNING: "false",
        SUCCESS_RATE_WINDOW: "90s",
        DETECTION_LATENCY_BUCKETS: "0.1,1",
        LOG_LEVEL: "debug",
      },
    );
    expect(config).toMatchObject({
      brokers: ["a:9092", "b:9093"],
      httpPort: 9999,
      fromBeginning: false,
      successRateWindow: 90_000,
      detectionBuckets: [0.1, 1],
      logLevel: "debug",
    });
  });

  it.each([
    ["250ms", 250],
    ["30", 30_000],
    ["5m", 300_000],
    ["1.5h", 5_400_000],
  ])("reads the duration %s", (text, ms) => {
    expect(loadConfig({ successRateWindow: text }, {}).successRateWindow).toBe(ms);
  });

  it("names every bad setting, its flag and the expected form", () => {
    let error: unknown;
    try {
      loadConfig(
        {},
        { HTTP_PORT: "70000", LLM_LATENCY_BUCKETS: "1,,-2", LOG_LEVEL: "loud", DETECTION_TOPIC: "a topic" },
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        env: "DETECTION_TOPIC",
        flag: "--detection-topic",
        expected: "a Kafka topic name (letters, digits, '.', '_', '-')",
        got: "a topic",
      },
      { env: "HTTP_PORT", flag: "--http-port", expected: "an integer from 0 to 65535", got: "70000" },
      {
        env: "LLM_LATENCY_BUCKETS",
        flag: "--llm-buckets",
        expected: "comma-separated positive numbers in ascending order",
        got: "1,,-2",
      },
      {
        env: "LOG_LEVEL",
        flag: "--log-level",
        expected: "one of fatal, error, warn, info, debug, trace, silent",
        got: "loud",
      },
    ]);
  });

  it("refuses a changelog template that gives no valid topic name for the group, unless state is in memory", () => {
    // The template is checked against the catalogue's event topics (here the shipped streams').
    const run = (env: Record<string, string>) => () => {
      const config = loadConfig({}, env);
      checkChangelogNames(config, [config.detectionTopic, config.llmTopic]);
    };
    expect(run({ KAFKA_GROUP_ID: "team a/aggregator" })).toThrow(
      'STATE_CHANGELOG_TOPIC (--state-changelog-topic): expected a template giving, with KAFKA_GROUP_ID="team a/aggregator", a valid topic name other than the event topics (it gives "team a/aggregator-detection-events-changelog"), got "{group}-{topic}-changelog"',
    );
    expect(run({ STATE_CHANGELOG_TOPIC: "state-of-{group}" })).toThrow(
      "STATE_CHANGELOG_TOPIC (--state-changelog-topic): expected a Kafka topic name containing {topic}",
    );
    expect(run({ STATE_CHANGELOG_TOPIC: "{topic}", LLM_TOPIC: "x" })).toThrow(
      "a valid topic name other than the event topics",
    );
    expect(run({ KAFKA_GROUP_ID: "team a/aggregator", STATE_MODE: "memory" })).not.toThrow();
    expect(loadConfig({}, { KAFKA_GROUP_ID: "team a/aggregator", STATE_MODE: "memory" }).stateMode).toBe(
      "memory",
    );
    expect(
      loadConfig({}, { KAFKA_GROUP_ID: "team a", STATE_CHANGELOG_TOPIC: "team-a.{topic}.state" }),
    ).toMatchObject({
      stateChangelogTopic: "team-a.{topic}.state",
    });
    expect(run({ STATE_COMMIT_INTERVAL: "50ms" })).toThrow(
      "STATE_COMMIT_INTERVAL (--state-commit-interval): expected a duration such as 1s or 500ms, at least 100ms and at most 60s",
    );
    expect(run({ STATE_MODE: "exactly-once" })).toThrow(
      'STATE_MODE (--state-mode): expected durable or memory, got "exactly-once"',
    );
  });

  it("refuses one topic for both event kinds (the catalogue does: each topic belongs to one stream)", () => {
    const config = loadConfig({}, { DETECTION_TOPIC: "events", LLM_TOPIC: "events" });
    expect(() => loadCatalogue(catalogueSettings(config))).toThrow(
      'LLM_TOPIC (--llm-topic): expected a topic no other stream reads (stream detection reads it), got "events"',
    );
  });

  it("reads a secret from the file its _FILE variable names, and never logs it", () => {
    const files: Record<string, string> = { "/run/secrets/registry": "s3cret-value\n" };
    const read = (path: string) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error("no such file"), { code: "ENOENT" });
      return text;
    };
    const config = loadConfig(
      {},
      {
        SCHEMA_REGISTRY_URL: "https://registry.example:8081/",
        SCHEMA_REGISTRY_USERNAME: "aggregator",
        SCHEMA_REGISTRY_PASSWORD_FILE: "/run/secrets/registry",
      },
      read,
    );
    expect(config).toMatchObject({
      schemaRegistryUrl: "https://registry.example:8081",
      schemaRegistryUsername: "aggregator",
      schemaRegistryPassword: "s3cret-value",
    });
    const logged = JSON.stringify(redactSecrets(SETTINGS, config));
    expect(logged).not.toContain("s3cret");
    expect(logged).toContain('"schemaRegistryPassword":"(set)"');
    expect(() => loadConfig({}, { SCHEMA_REGISTRY_PASSWORD_FILE: "/run/secrets/missing" }, read)).toThrow(
      'SCHEMA_REGISTRY_PASSWORD_FILE (--schema-registry-password): expected a readable file holding SCHEMA_REGISTRY_PASSWORD (ENOENT), got "/run/secrets/missing"',
    );
  });

  it("refuses a registry URL that is not http(s)", () => {
    expect(() => loadConfig({}, { SCHEMA_REGISTRY_URL: "registry:8081" })).toThrow(
      'SCHEMA_REGISTRY_URL (--schema-registry-url): expected an http:// or https:// URL, or empty, got "registry:8081"',
    );
  });

  it("takes one way of authenticating scrapers, and a basic-auth user only with its password", () => {
    expect(() =>
      loadConfig({}, { METRICS_BEARER_TOKEN: "t", METRICS_USERNAME: "u", METRICS_PASSWORD: "p" }),
    ).toThrow(
      'METRICS_USERNAME (--metrics-username): expected empty when METRICS_BEARER_TOKEN is set (choose bearer or basic auth), got "u"',
    );
    expect(() => loadConfig({}, { METRICS_USERNAME: "u" })).toThrow(
      "METRICS_PASSWORD (--metrics-password): expected a value: METRICS_USERNAME and METRICS_PASSWORD go together",
    );
    expect(loadConfig({}, { METRICS_USERNAME: "u", METRICS_PASSWORD: "p" })).toMatchObject({
      metricsUsername: "u",
      metricsPassword: "p",
    });
  });

  it("needs a SASL user and password with a mechanism, and knows only the mechanisms kafkajs speaks", () => {
    expect(() =>
      loadConfig({}, { KAFKA_SASL_MECHANISM: "SCRAM-SHA-512", KAFKA_SASL_USERNAME: "alice" }),
    ).toThrow(
      'KAFKA_SASL_PASSWORD (--sasl-password): expected a value when KAFKA_SASL_MECHANISM is scram-sha-512, got ""',
    );
    expect(() => loadConfig({}, { KAFKA_SASL_MECHANISM: "gssapi" })).toThrow(
      'KAFKA_SASL_MECHANISM (--sasl-mechanism): expected plain, scram-sha-256, scram-sha-512, or empty, got "gssapi"',
    );
  });
});
