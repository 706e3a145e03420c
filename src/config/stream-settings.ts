import { setting } from "./setting-spec.js";
import { settingText } from "./value-parsers.js";

/** What fills in the metric catalogue: the shipped streams' topics and buckets, and a catalogue file; what `check-config` reads besides the file. */
export const STREAM_SETTINGS = {
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
} as const;
