import type { EventKind } from "../events/domain-event.js";
import type { Column } from "./column.js";
import type { CounterColumn } from "./counter-column.js";
import type { BuiltinMappings } from "./event-mappings.js";
import type { HistogramColumn } from "./histogram-column.js";
import type { HistogramFamily, MetricFamily, ScalarFamily, ScalarSeries } from "./metric-family.js";
import type { PartitionState } from "./partition-state.js";
import type { SeriesEntry } from "./series-table.js";
import type { TableDefinition } from "./table-definition.js";
import type { WindowColumn } from "./window-column.js";

/** The partition states `/metrics` shows for an event kind, in partition order. */
export type ShownStates = (kind: EventKind) => Iterable<PartitionState>;

/** Every series carries the partition it was counted from, last. */
export const PARTITION_LABEL = "partition";

/** A family that reads one column of one table in every shown partition. */
interface ColumnSource<C extends Column> {
  readonly kind: EventKind;
  readonly table: TableDefinition;
  readonly column: C;
  readonly at: number;
}

function* shownEntries(states: ShownStates, source: ColumnSource<Column>): Iterable<SeriesEntry> {
  for (const state of states(source.kind)) yield* state.table(source.table).shown();
}

/**
 * Label arrays of a split counter's slots, made once per entry and family:
 * the renderer caches label text by array identity.
 */
function slotLabels(values: readonly string[]): (entry: SeriesEntry) => readonly (readonly string[])[] {
  const cache = new WeakMap<SeriesEntry, readonly (readonly string[])[]>();
  return (entry) => {
    let labels = cache.get(entry);
    if (labels === undefined) {
      const own = entry.labels.slice(0, -1);
      const partition = entry.labels[entry.labels.length - 1] as string;
      labels = values.map((value) => [...own, value, partition]);
      cache.set(entry, labels);
    }
    return labels;
  };
}

function counter(
  states: ShownStates,
  name: string,
  help: string,
  source: ColumnSource<CounterColumn>,
): ScalarFamily {
  const split = source.column.split;
  const labelsOf = split ? slotLabels(split.values) : undefined;
  return {
    type: "counter",
    name,
    help,
    labelNames: [...source.table.labelNames, ...(split ? [split.label] : []), PARTITION_LABEL],
    *series() {
      for (const entry of shownEntries(states, source)) {
        if (labelsOf === undefined) {
          yield { labels: entry.labels, value: entry.shown[source.at] as number };
          continue;
        }
        const labels = labelsOf(entry);
        for (let i = 0; i < labels.length; i++) {
          yield { labels: labels[i] as readonly string[], value: entry.shown[source.at + i] as number };
        }
      }
    },
  };
}

function histogram(
  states: ShownStates,
  name: string,
  help: string,
  source: ColumnSource<HistogramColumn>,
): HistogramFamily {
  return {
    type: "histogram",
    name,
    help,
    labelNames: [...source.table.labelNames, PARTITION_LABEL],
    *series() {
      for (const entry of shownEntries(states, source)) {
        yield { labels: entry.labels, histogram: source.column.reading(entry.shown, source.at) };
      }
    },
  };
}

function gauge(
  states: ShownStates,
  name: string,
  help: string,
  source: ColumnSource<Column>,
  read: (values: Float64Array, at: number) => number | undefined,
): ScalarFamily {
  return {
    type: "gauge",
    name,
    help,
    labelNames: [...source.table.labelNames, PARTITION_LABEL],
    *series() {
      for (const entry of shownEntries(states, source)) {
        const value = read(entry.shown, source.at);
        if (value !== undefined) yield { labels: entry.labels, value };
      }
    },
  };
}

/** The event families, with typed handles for readers other than `/metrics` (the status page). */
export interface EventFamilies {
  readonly all: readonly MetricFamily[];
  readonly detectionTotal: ScalarFamily;
  readonly detectionLatency: HistogramFamily;
  readonly cameraLastEvent: ScalarFamily;
  readonly llmRequests: ScalarFamily;
  readonly apiKeyRequests: ScalarFamily;
  readonly apiKeySuccessRate: ScalarFamily;
}

/**
 * The metric contract: every family `/metrics` serves from event state, read
 * at scrape time from the committed state of the partitions this replica
 * owns. Names, help, labels and order are an interface.
 */
export function eventFamilies(
  { tables }: BuiltinMappings,
  states: ShownStates,
  now: () => number = Date.now,
): EventFamilies {
  const { detections, cameras, models, apiKeys } = tables;
  const col = <C extends Column>(kind: EventKind, table: TableDefinition, name: string): ColumnSource<C> => ({
    kind,
    table,
    column: table.columns[name] as C,
    at: table.offsets[name] as number,
  });
  const detectionTotal = counter(
    states,
    "detection_total",
    "Frames processed (detection events), per camera and model.",
    col("detection", detections, "frames"),
  );
  const detectionLatency = histogram(
    states,
    "detection_latency_seconds",
    "Inference latency per frame, in seconds.",
    col("detection", detections, "latency"),
  );
  const cameraLastEvent = gauge(
    states,
    "camera_last_event_timestamp_seconds",
    "Event time of the newest detection event seen per camera, in Unix seconds.",
    col("detection", cameras, "lastEventMs"),
    (values, at) => (values[at] as number) / 1000,
  );
  const apiKeyRequests = counter(
    states,
    "api_key_requests_total",
    "LLM calls per API key id and status.",
    col("llm", apiKeys, "requests"),
  );
  const window = col<WindowColumn>("llm", apiKeys, "success");
  const apiKeySuccessRate = gauge(
    states,
    "api_key_success_rate",
    "Successful LLM calls ÷ all calls per API key id over the sliding window (absent when the window saw none).",
    window,
    (values, at) => window.column.ratio(values, at, now()),
  );
  const perTable: [MetricFamily, EventKind, TableDefinition][] = [];
  const families: MetricFamily[] = [];
  const add = (family: MetricFamily, kind: EventKind, table: TableDefinition) => {
    families.push(family);
    perTable.push([family, kind, table]);
  };
  add(detectionTotal, "detection", detections);
  add(detectionLatency, "detection", detections);
  add(
    counter(
      states,
      "detection_objects_total",
      "Objects detected, summed over frames, per camera and model.",
      col("detection", detections, "objects"),
    ),
    "detection",
    detections,
  );
  add(
    counter(
      states,
      "detection_groups_total",
      "Object groups found, summed over frames, per camera and model.",
      col("detection", detections, "groups"),
    ),
    "detection",
    detections,
  );
  add(cameraLastEvent, "detection", cameras);
  const llmRequests = counter(
    states,
    "llm_requests_total",
    "LLM calls per provider, model and status.",
    col("llm", models, "requests"),
  );
  add(llmRequests, "llm", models);
  add(
    histogram(states, "llm_latency_seconds", "LLM call latency, in seconds.", col("llm", models, "latency")),
    "llm",
    models,
  );
  add(
    counter(
      states,
      "llm_tokens_total",
      "Tokens used by LLM calls, per provider, model and kind (prompt or completion).",
      col("llm", models, "tokens"),
    ),
    "llm",
    models,
  );
  add(apiKeyRequests, "llm", apiKeys);
  add(apiKeySuccessRate, "llm", apiKeys);
  families.push({
    type: "counter",
    name: "aggregator_series_overflow_total",
    help: "Events whose new label set was folded into the __overflow__ series because the metric reached SERIES_LIMIT in its partition.",
    labelNames: ["metric", PARTITION_LABEL],
    *series(): Iterable<ScalarSeries> {
      for (const [family, kind, table] of perTable) {
        for (const state of states(kind)) {
          yield { labels: [family.name, String(state.partition)], value: state.table(table).shownOverflowed };
        }
      }
    },
  });
  return {
    all: families,
    detectionTotal,
    detectionLatency,
    cameraLastEvent,
    llmRequests,
    apiKeyRequests,
    apiKeySuccessRate,
  };
}
