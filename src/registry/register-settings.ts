import { SETTINGS, setting } from "../config/settings.js";
import { settingText } from "../config/value-parsers.js";

/** Settings of `metrics-aggregator register-schemas`. */
export const REGISTER_SETTINGS = {
  registry: setting({
    env: "SCHEMA_REGISTRY_URL",
    flag: "--registry",
    description: "Confluent-compatible schema registry to register schemas/ in",
    defaultValue: "",
    expected: "an http:// or https:// URL",
    type: settingText.url,
  }),
  username: SETTINGS.schemaRegistryUsername,
  password: SETTINGS.schemaRegistryPassword,
  detectionTopic: SETTINGS.detectionTopic,
  llmTopic: SETTINGS.llmTopic,
} as const;
