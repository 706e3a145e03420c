import type { Config } from "../config/settings.js";
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
): CatalogueSettings {
  return {
    file: config.metricsConfig,
    builtinTopics: { detection: config.detectionTopic, llm: config.llmTopic },
    bucketPresets: { "detection-latency": config.detectionBuckets, "llm-latency": config.llmBuckets },
    windowPresets: { "success-rate": config.successRateWindow },
  };
}
