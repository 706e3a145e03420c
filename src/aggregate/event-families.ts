import type { Column } from "./column.js";
import type { CounterColumn } from "./counter-column.js";
import type { Exemplar } from "./exemplar.js";
import type { HistogramColumn } from "./histogram-column.js";
import type { LastColumn } from "./last-column.js";
import type { MaxColumn } from "./max-column.js";
import type {
  ByEntry,
  FamilyPart,
  HistogramFamily,
  HistogramSeries,
  MetricFamily,
  ScalarFamily,
  ScalarSeries,
} from "./metric-family.js";
import type { PartitionState } from "./partition-state.js";
import type { SeriesEntry } from "./series-table.js";
import type { MetricPlacement, StreamModel } from "./stream-model.js";
import type { WindowColumn } from "./window-column.js";

/** The partition states `/metrics` shows for a stream, in partition order. */
export type ShownStates = (stream: string) => Iterable<PartitionState>;

/** Every series carries the partition it was counted from, last. */
export const PARTITION_LABEL = "partition";

/** The families of a catalogue's metrics, in its order, and each by name for other readers (the status page). */
export interface EventFamilies {
  readonly all: readonly MetricFamily[];
  byName(name: string): MetricFamily | undefined;
}

/** A metric's series, partition by partition and entry by entry; `series()` reads them all. */
function byEntry<S>(
  states: ShownStates,
  metric: MetricPlacement,
  seriesOf: (entry: SeriesEntry) => Iterable<S>,
): ByEntry<S> & { series(): Iterable<S> } {
  function* parts(): Iterable<FamilyPart> {
    for (const state of states(metric.stream)) {
      const table = state.table(metric.table);
      yield {
        source: table,
        get version() {
          return table.shownVersion;
        },
        entries: table.shown(),
        changedSince: (version) => table.changedSince(version),
      };
    }
  }
  return {
    parts,
    seriesOf,
    *series() {
      for (const part of parts()) for (const entry of part.entries) yield* seriesOf(entry);
    },
  };
}

/** What every family says of its metric. */
function named(metric: MetricPlacement, labelNames: readonly string[]) {
  return { name: metric.definition.name, help: metric.definition.help, labelNames };
}

/** A family's series, read whole (`series`) and entry by entry (`byEntry`). */
function viewed<S>(view: ByEntry<S> & { series(): Iterable<S> }) {
  return { series: view.series, byEntry: view };
}

/**
 * Label arrays of a split counter's slots, made once per entry and family:
 * the renderer caches label text by array identity.
 */
function slotLabels(
  values: readonly string[],
  at: number,
): (entry: SeriesEntry) => readonly (readonly string[])[] {
  const cache = new WeakMap<SeriesEntry, readonly (readonly string[])[]>();
  return (entry) => {
    let labels = cache.get(entry);
    if (labels === undefined) {
      const own = entry.labels.slice(0, -1);
      const partition = entry.labels[entry.labels.length - 1] as string;
      labels = values.map((value) => [...own.slice(0, at), value, ...own.slice(at), partition]);
      cache.set(entry, labels);
    }
    return labels;
  };
}

function counter(
  states: ShownStates,
  metric: MetricPlacement<CounterColumn>,
  labelNames: readonly string[],
): ScalarFamily {
  const { definition, at, exemplarAt } = metric;
  const split = definition.split;
  const labelsOf = split ? slotLabels(split.values, split.at) : undefined;
  const view = byEntry<ScalarSeries>(states, metric, function* (entry) {
    const exemplars = entry.shownExemplars;
    if (labelsOf === undefined) {
      yield { labels: entry.labels, value: entry.shown[at] as number, exemplar: exemplars?.[exemplarAt] };
      return;
    }
    const labels = labelsOf(entry);
    for (let i = 0; i < labels.length; i++) {
      yield {
        labels: labels[i] as readonly string[],
        value: entry.shown[at + i] as number,
        exemplar: exemplars?.[exemplarAt + i],
      };
    }
  });
  return {
    type: "counter",
    ...named(metric, labelNames),
    exemplarLabel: definition.exemplar,
    ...viewed(view),
  };
}

function histogram(
  states: ShownStates,
  metric: MetricPlacement<HistogramColumn>,
  labelNames: readonly string[],
): HistogramFamily {
  const { definition, column, at, exemplarAt } = metric;
  const buckets = column.bounds.length + 1;
  const view = byEntry<HistogramSeries>(states, metric, function* (entry) {
    const reading = column.reading(entry.shown, at);
    const exemplars = entry.shownExemplars;
    yield {
      labels: entry.labels,
      histogram: exemplars
        ? {
            ...reading,
            exemplars: exemplars.slice(exemplarAt, exemplarAt + buckets) as (Exemplar | undefined)[],
          }
        : reading,
    };
  });
  return {
    type: "histogram",
    ...named(metric, labelNames),
    exemplarLabel: definition.exemplar,
    ...viewed(view),
  };
}

/** A gauge; `timeless` false when its value changes with the clock alone (no cache may keep it). */
function gauge(
  states: ShownStates,
  metric: MetricPlacement,
  labelNames: readonly string[],
  read: (values: Float64Array, at: number) => number | undefined,
  timeless: boolean,
): ScalarFamily {
  const { at } = metric;
  const view = byEntry<ScalarSeries>(states, metric, function* (entry) {
    const value = read(entry.shown, at);
    if (value !== undefined) yield { labels: entry.labels, value };
  });
  return timeless
    ? { type: "gauge", ...named(metric, labelNames), ...viewed(view) }
    : { type: "gauge", ...named(metric, labelNames), series: view.series };
}

function family(
  states: ShownStates,
  metric: MetricPlacement,
  labelNames: readonly string[],
  now: () => number,
): MetricFamily {
  switch (metric.definition.type) {
    case "counter":
      return counter(states, metric as MetricPlacement<CounterColumn>, labelNames);
    case "histogram":
      return histogram(states, metric as MetricPlacement<HistogramColumn>, labelNames);
    case "gauge": {
      const column = metric.column as MaxColumn | LastColumn;
      return gauge(states, metric, labelNames, (values, at) => column.read(values, at), true);
    }
    case "ratio": {
      const column = metric.column as WindowColumn;
      return gauge(states, metric, labelNames, (values, at) => column.ratio(values, at, now()), false);
    }
  }
}

/** A metric's label names as exposed: its own, the split label where it goes, the partition last. */
function labelNamesOf(metric: MetricPlacement): string[] {
  const names = [...metric.definition.labels];
  const split = metric.definition.split;
  if (split) names.splice(split.at, 0, split.label);
  return [...names, PARTITION_LABEL];
}

/**
 * The families `/metrics` serves from event state, one per catalogue metric
 * and in its order, read at scrape time from the published state of the
 * partitions this replica owns; then the overflow counts of each.
 */
export function eventFamilies(
  models: readonly StreamModel[],
  states: ShownStates,
  now: () => number = Date.now,
): EventFamilies {
  const metrics = models.flatMap((model) => model.metrics) as MetricPlacement<Column>[];
  // One array per distinct list of label names: the renderer caches label text by the arrays' identity.
  const labelNameLists = new Map<string, string[]>();
  const families = metrics.map((metric) => {
    const names = labelNamesOf(metric);
    const key = names.join(",");
    const shared = labelNameLists.get(key) ?? names;
    labelNameLists.set(key, shared);
    return family(states, metric, shared, now);
  });
  const byName = new Map(families.map((f) => [f.name, f]));
  const overflow: ScalarFamily = {
    type: "counter",
    name: "aggregator_series_overflow_total",
    help: "Events whose new label set was folded into the __overflow__ series because the metric reached SERIES_LIMIT in its partition.",
    labelNames: ["metric", PARTITION_LABEL],
    *series(): Iterable<ScalarSeries> {
      for (const metric of metrics) {
        for (const state of states(metric.stream)) {
          yield {
            labels: [metric.definition.name, String(state.partition)],
            value: state.table(metric.table).shownOverflowed,
          };
        }
      }
    },
  };
  return { all: [...families, overflow], byName: (name) => byName.get(name) };
}
