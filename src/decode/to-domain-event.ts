import type { DomainEvent, EventKind, LlmStatus } from "../events/domain-event.js";
import { labelValue } from "./label-value.js";

/** The version-1 wire shapes, as the schemas guarantee them after validation. */
interface DetectionWire {
  event_id: string;
  timestamp: string | number;
  camera_id: string | number;
  model_type: string;
  latency_seconds: number;
  num_objects: number;
  num_groups: number;
}
interface LlmWire {
  event_id: string;
  timestamp: string | number;
  provider: string;
  model: string;
  key_id: string;
  status: LlmStatus;
  latency_seconds: number;
  prompt_tokens: number;
  completion_tokens: number;
  camera_id?: string | number;
}

/** Epoch milliseconds of a schema-valid timestamp; NaN for a well-formed but impossible date. */
export function timestampMs(timestamp: string | number): number {
  return typeof timestamp === "number" ? timestamp : Date.parse(timestamp);
}

/**
 * Maps a schema-valid wire object to its domain event, picking only the
 * contract's fields so unknown extras (and keys like `__proto__`) go no
 * further, and making every field that becomes a label safe to export.
 */
export function toDomainEvent(
  kind: EventKind,
  value: object,
  timeMs: number,
  maxLabelLength: number,
): DomainEvent {
  const label = (text: string) => labelValue(text, maxLabelLength);
  if (kind === "detection") {
    const wire = value as DetectionWire;
    return {
      kind,
      eventId: wire.event_id,
      timeMs,
      cameraId: label(String(wire.camera_id)),
      modelType: label(wire.model_type),
      latencySeconds: wire.latency_seconds,
      numObjects: wire.num_objects,
      numGroups: wire.num_groups,
    };
  }
  const wire = value as LlmWire;
  return {
    kind,
    eventId: wire.event_id,
    timeMs,
    provider: label(wire.provider),
    model: label(wire.model),
    keyId: label(wire.key_id),
    status: wire.status,
    latencySeconds: wire.latency_seconds,
    promptTokens: wire.prompt_tokens,
    completionTokens: wire.completion_tokens,
    cameraId: wire.camera_id === undefined ? undefined : label(String(wire.camera_id)),
  };
}
