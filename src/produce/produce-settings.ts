import { SETTINGS, setting } from "../config/settings.js";
import { settingText } from "../config/value-parsers.js";

/** Settings of `metrics-aggregator produce`; brokers and topics are the service's own. */
export const PRODUCE_SETTINGS = {
  brokers: SETTINGS.brokers,
  detectionTopic: SETTINGS.detectionTopic,
  llmTopic: SETTINGS.llmTopic,
  rate: setting({
    env: "PRODUCE_RATE",
    flag: "--rate",
    description: "events per second (80 % detection, 20 % LLM)",
    defaultValue: "1000",
    expected: "a positive integer",
    type: settingText.positiveInt,
  }),
  duration: setting({
    env: "PRODUCE_DURATION",
    flag: "--duration",
    description: "how long to produce",
    defaultValue: "60s",
    expected: "a duration such as 30s or 5m",
    type: settingText.durationMs,
  }),
  cameras: setting({
    env: "PRODUCE_CAMERAS",
    flag: "--cameras",
    description: "distinct camera ids",
    defaultValue: "20",
    expected: "a positive integer",
    type: settingText.positiveInt,
  }),
  models: setting({
    env: "PRODUCE_MODELS",
    flag: "--models",
    description: "distinct detection models",
    defaultValue: "4",
    expected: "a positive integer",
    type: settingText.positiveInt,
  }),
  keys: setting({
    env: "PRODUCE_KEYS",
    flag: "--keys",
    description: "distinct API key ids",
    defaultValue: "8",
    expected: "a positive integer",
    type: settingText.positiveInt,
  }),
  invalidRatio: setting({
    env: "PRODUCE_INVALID_RATIO",
    flag: "--invalid-ratio",
    description: "share of deliberately invalid events, 0 to 1",
    defaultValue: "0",
    expected: "a number from 0 to 1",
    type: settingText.ratio,
  }),
  encoding: setting({
    env: "PRODUCE_ENCODING",
    flag: "--encoding",
    description:
      "wire encoding of the events: json, or avro / json-schema framed for the schema registry (schemas/ are registered first; invalid events stay plain JSON)",
    defaultValue: "json",
    expected: "json, avro or json-schema",
    type: settingText.encoding,
  }),
  schemaRegistryUrl: SETTINGS.schemaRegistryUrl,
  schemaRegistryUsername: SETTINGS.schemaRegistryUsername,
  schemaRegistryPassword: SETTINGS.schemaRegistryPassword,
  seed: setting({
    env: "PRODUCE_SEED",
    flag: "--seed",
    description: "seed of the pseudo-random events (same seed, same events)",
    defaultValue: "1",
    expected: "a positive integer",
    type: settingText.positiveInt,
  }),
} as const;
