import type { z } from "zod";
import { KAFKA_SETTINGS } from "./kafka-settings.js";
import { PROCESSING_SETTINGS } from "./processing-settings.js";
import { SERVICE_SETTINGS } from "./service-settings.js";
import { STREAM_SETTINGS } from "./stream-settings.js";

export { type SettingSpec, setting } from "./setting-spec.js";

const ALL = { ...KAFKA_SETTINGS, ...STREAM_SETTINGS, ...PROCESSING_SETTINGS, ...SERVICE_SETTINGS } as const;

/** The order `--help`, the refusal lines and the docs list the settings in (as releases before did). */
const ORDER: readonly (keyof typeof ALL)[] = [
  "brokers",
  "clientId",
  "saslMechanism",
  "saslUsername",
  "saslPassword",
  "tls",
  "tlsCaFile",
  "groupId",
  "detectionTopic",
  "llmTopic",
  "topicCheckInterval",
  "fromBeginning",
  "fetchMaxBytesPerPartition",
  "fetchMaxBytes",
  "sessionTimeout",
  "partitionsConcurrently",
  "httpHost",
  "httpPort",
  "metricsConfig",
  "detectionBuckets",
  "llmBuckets",
  "successRateWindow",
  "maxEventBytes",
  "seriesLimit",
  "seriesTtl",
  "labelMaxLength",
  "stateMode",
  "stateCommitInterval",
  "stateChangelogTopic",
  "stateChangelogReplication",
  "shutdownTimeout",
  "deadLetterTopic",
  "schemaRegistryUrl",
  "schemaRegistryUsername",
  "schemaRegistryPassword",
  "schemaRegistryTimeout",
  "metricsBearerToken",
  "metricsUsername",
  "metricsPassword",
  "webConfigFile",
  "logLevel",
];
if (ORDER.length !== Object.keys(ALL).length || new Set(ORDER).size !== ORDER.length)
  throw new Error("settings.ts: ORDER must list every setting once");

/**
 * Every setting of the service, grouped by concern in the files it comes
 * from. Environment names are an interface: deployments and scripts rely on
 * them. A CLI flag wins over its variable, which wins over the default.
 */
export const SETTINGS: typeof ALL = Object.fromEntries(ORDER.map((key) => [key, ALL[key]])) as typeof ALL;

/** The validated configuration, one field per setting. */
export type Config = { readonly [K in keyof typeof SETTINGS]: z.output<(typeof SETTINGS)[K]["type"]> };

/** The settings that fill in the metric catalogue: what `check-config` reads besides the file. */
export const CATALOGUE_SETTINGS = STREAM_SETTINGS;

/** A setting's key. */
export type SettingKey = keyof typeof SETTINGS;
