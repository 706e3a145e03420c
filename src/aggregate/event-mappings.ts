import {
  type DetectionEvent,
  type DomainEvent,
  type EventKind,
  LLM_STATUSES,
  type LlmEvent,
} from "../events/domain-event.js";
import { CounterColumn } from "./counter-column.js";
import { HistogramColumn } from "./histogram-column.js";
import { MaxColumn } from "./max-column.js";
import { LABEL_SEPARATOR, type SeriesTable } from "./series-table.js";
import { TableDefinition } from "./table-definition.js";
import { WindowColumn } from "./window-column.js";

/** Settings that shape the built-in tables; validated by the configuration layer. */
export interface MappingOptions {
  readonly detectionBuckets: readonly number[];
  readonly llmBuckets: readonly number[];
  readonly successRateWindowMs: number;
}

/** Which tables a topic's events feed, and how one event updates them. */
export interface EventMapping<E extends DomainEvent = DomainEvent> {
  readonly kind: E["kind"];
  readonly tables: readonly TableDefinition[];
  /**
   * Applies one event. `timeMs` is the event's record time (the Kafka
   * timestamp): deterministic on replay, unlike the wall clock.
   */
  apply(tables: readonly SeriesTable[], event: E, timeMs: number): void;
}

/** The detection tables: per camera and model, and per camera. */
export function detectionTables(options: MappingOptions) {
  return {
    detections: new TableDefinition("detections", ["camera_id", "model_type"], {
      frames: new CounterColumn(),
      objects: new CounterColumn(),
      groups: new CounterColumn(),
      latency: new HistogramColumn(options.detectionBuckets),
    }),
    cameras: new TableDefinition("cameras", ["camera_id"], { lastEventMs: new MaxColumn() }),
  };
}

/** The LLM tables: per provider and model, and per API key id. */
export function llmTables(options: MappingOptions) {
  const status = { label: "status", values: LLM_STATUSES };
  return {
    models: new TableDefinition("llm_models", ["provider", "model"], {
      requests: new CounterColumn(status),
      latency: new HistogramColumn(options.llmBuckets),
      tokens: new CounterColumn({ label: "kind", values: ["prompt", "completion"] }),
    }),
    apiKeys: new TableDefinition("api_keys", ["key_id"], {
      requests: new CounterColumn(status),
      success: new WindowColumn(options.successRateWindowMs),
    }),
  };
}

type DetectionTables = ReturnType<typeof detectionTables>;
type LlmTables = ReturnType<typeof llmTables>;

function detectionMapping({ detections, cameras }: DetectionTables): EventMapping<DetectionEvent> {
  const d = detections.offsets;
  const latency = detections.columns.latency;
  const lastEvent = cameras.columns.lastEventMs;
  const lastEventAt = cameras.offsets.lastEventMs;
  return {
    kind: "detection",
    tables: [detections, cameras],
    apply([detectionTable, cameraTable], event, timeMs) {
      const values = (detectionTable as SeriesTable).entry(
        event.cameraId + LABEL_SEPARATOR + event.modelType,
        () => [event.cameraId, event.modelType],
        timeMs,
      ).values;
      values[d.frames] = (values[d.frames] as number) + 1;
      values[d.objects] = (values[d.objects] as number) + event.numObjects;
      values[d.groups] = (values[d.groups] as number) + event.numGroups;
      latency.observe(values, d.latency, event.latencySeconds);
      const camera = (cameraTable as SeriesTable).entry(event.cameraId, () => [event.cameraId], timeMs);
      lastEvent.raise(camera.values, lastEventAt, event.timeMs);
    },
  };
}

function llmMapping({ models, apiKeys }: LlmTables): EventMapping<LlmEvent> {
  const m = models.offsets;
  const k = apiKeys.offsets;
  const latency = models.columns.latency;
  const window = apiKeys.columns.success;
  return {
    kind: "llm",
    tables: [models, apiKeys],
    apply([modelTable, keyTable], event, timeMs) {
      const status = LLM_STATUSES.indexOf(event.status);
      const values = (modelTable as SeriesTable).entry(
        event.provider + LABEL_SEPARATOR + event.model,
        () => [event.provider, event.model],
        timeMs,
      ).values;
      values[m.requests + status] = (values[m.requests + status] as number) + 1;
      latency.observe(values, m.latency, event.latencySeconds);
      values[m.tokens] = (values[m.tokens] as number) + event.promptTokens;
      values[m.tokens + 1] = (values[m.tokens + 1] as number) + event.completionTokens;
      const key = (keyTable as SeriesTable).entry(event.keyId, () => [event.keyId], timeMs).values;
      key[k.requests + status] = (key[k.requests + status] as number) + 1;
      // An event stamped after its record was written counts at the record's time.
      window.record(key, k.success, Math.min(event.timeMs, timeMs), event.status === "success");
    },
  };
}

/** The built-in tables, and the mapping of each event kind onto them. */
export interface BuiltinMappings {
  readonly tables: DetectionTables & LlmTables;
  readonly byKind: { readonly [K in EventKind]: EventMapping };
}

export function builtinMappings(options: MappingOptions): BuiltinMappings {
  const detection = detectionTables(options);
  const llm = llmTables(options);
  return {
    tables: { ...detection, ...llm },
    byKind: { detection: detectionMapping(detection) as EventMapping, llm: llmMapping(llm) as EventMapping },
  };
}
