import { randomUUID } from "node:crypto";

/** A valid version-1 detection event on the wire; override any field. */
export function detectionWire(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: randomUUID(),
    timestamp: "2026-11-20T21:17:01.123Z",
    camera_id: "1",
    model_type: "yolov8n",
    latency_seconds: 0.05,
    num_objects: 10,
    num_groups: 3,
    ...overrides,
  };
}

/** A valid version-1 LLM event on the wire; override any field. */
export function llmWire(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: randomUUID(),
    timestamp: Date.now(),
    provider: "openai",
    model: "gpt-4o-mini",
    key_id: "key-3",
    status: "success",
    latency_seconds: 1.8,
    prompt_tokens: 512,
    completion_tokens: 128,
    ...overrides,
  };
}

/** JSON bytes of a wire object. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
