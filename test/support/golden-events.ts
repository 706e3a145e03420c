/**
 * A fixed set of wire events, per partition, that touches every built-in
 * family: several cameras and models, bucket bounds hit exactly, every LLM
 * status, tokens, API keys, events older and newer than the success window,
 * a secret-looking key id, and one partition past its series limit.
 */
export const GOLDEN_NOW = Date.parse("2026-11-27T12:00:00.000Z");

const detection = (
  camera: string | number,
  model: string,
  latency: number,
  objects: number,
  groups: number,
  at = GOLDEN_NOW - 5_000,
) =>
  JSON.stringify({
    event_id: `d-${camera}-${model}-${latency}`,
    timestamp: new Date(at).toISOString(),
    camera_id: camera,
    model_type: model,
    latency_seconds: latency,
    num_objects: objects,
    num_groups: groups,
  });

const llm = (
  provider: string,
  model: string,
  key: string,
  status: string,
  latency: number,
  prompt: number,
  completion: number,
  at = GOLDEN_NOW - 2_000,
) =>
  JSON.stringify({
    event_id: `l-${key}-${status}-${latency}`,
    timestamp: at,
    provider,
    model,
    key_id: key,
    status,
    latency_seconds: latency,
    prompt_tokens: prompt,
    completion_tokens: completion,
  });

/** Detection events by partition, in offset order. */
export const GOLDEN_DETECTIONS: readonly (readonly string[])[] = [
  [
    detection(1, "yolov8n", 0.005, 3, 1),
    detection(1, "yolov8n", 0.05, 4, 2, GOLDEN_NOW - 1_000),
    detection(2, "yolov8s", 0.75, 0, 0),
    detection("front door", "yolov8n", 12, 7, 3),
    detection(1, "yolov8s", 0.1, 1, 1, GOLDEN_NOW - 60_000),
  ],
  [
    detection(3, "yolov8x", 0.0049, 10, 4),
    detection(3, "yolov8x", 2.5, 2, 1),
    detection(4, "yolov8x", 1, 2, 1),
    detection(5, "yolov8x", 1, 2, 1),
    detection(6, "yolov8x", 1, 2, 1),
    detection(7, "yolov8x", 0.3, 5, 2),
  ],
];

/** LLM events by partition, in offset order. */
export const GOLDEN_LLM_CALLS: readonly (readonly string[])[] = [
  [
    llm("openai", "gpt-4o-mini", "key-1", "success", 0.3, 100, 20),
    llm("openai", "gpt-4o-mini", "key-1", "error", 0.04, 50, 0),
    llm("anthropic", "claude", "key-2", "rate_limited", 0.05, 0, 0),
    llm("openai", "gpt-4o-mini", "key-3", "success", 1, 1, 1, GOLDEN_NOW - 600_000),
  ],
  [
    llm("anthropic", "claude", "sk-proj-Abc123xyz789SecretKeyValue", "timeout", 60, 7, 0),
    llm("openai", "gpt-4o", "key-2", "success", 130, 10, 5),
  ],
];

/** Label sets per metric and partition in the golden run: partition 1 of the detections overflows. */
export const GOLDEN_SERIES_LIMIT = 3;
