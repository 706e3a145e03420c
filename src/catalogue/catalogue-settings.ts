import { type Config, SETTINGS } from "../config/settings.js";
import type { CatalogueSettings } from "./load-catalogue.js";

/**
 * The settings that fill in the catalogue: METRICS_CONFIG, the topics of the
 * built-in streams, and the presets the shipped catalogue names, so the
 * settings that shaped the built-in metrics before the catalogue keep doing so.
 */
export function catalogueSettings(
  config: Pick<
    Config,
    "metricsConfig" | "detectionTopic" | "llmTopic" | "detectionBuckets" | "llmBuckets" | "successRateWindow"
  >,
  fileFrom: "setting" | "argument" = "setting",
): CatalogueSettings {
  return {
    file: config.metricsConfig,
    fileSetting:
      fileFrom === "setting" ? `${SETTINGS.metricsConfig.env} (${SETTINGS.metricsConfig.flag})` : undefined,
    builtinTopics: { detection: config.detectionTopic, llm: config.llmTopic },
    builtinTopicSettings: {
      detection: `${SETTINGS.detectionTopic.env} (${SETTINGS.detectionTopic.flag})`,
      llm: `${SETTINGS.llmTopic.env} (${SETTINGS.llmTopic.flag})`,
    },
    bucketPresets: { "detection-latency": config.detectionBuckets, "llm-latency": config.llmBuckets },
    windowPresets: { "success-rate": config.successRateWindow },
  };
}
