import type { Column } from "./column.js";
import type { CounterColumn } from "./counter-column.js";
import type { Exemplar } from "./exemplar.js";
import type { HistogramColumn } from "./histogram-column.js";
import type { LastColumn } from "./last-column.js";
import type { MaxColumn } from "./max-column.js";
import type { HistogramFamily, MetricFamily, ScalarFamily, ScalarSeries } from "./metric-family.js";
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

function* shownEntries(states: ShownStates, metric: MetricPlacement): Iterable<SeriesEntry> {
  for (const state of states(metric.stream)) yield* state.table(metric.table).shown();
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

function counter(states: ShownStates, metric: MetricPlacement<CounterColumn>): ScalarFamily {
  const { definition, at, exemplarAt } = metric;
  const split = definition.split;
  const labelsOf = split ? slotLabels(split.values, split.at) : undefined;
  const own = [...definition.labels];
  if (split) own.splice(split.at, 0, split.label);
  return {
    type: "counter",
    name: definition.name,
    help: definition.help,
    labelNames: [...own, PARTITION_LABEL],
    exemplarLabel: definition.exemplar,
    *series() {
      for (const entry of shownEntries(states, metric)) {
        const exemplars = entry.shownExemplars;
        if (labelsOf === undefined) {
          yield { labels: entry.labels, value: entry.shown[at] as number, exemplar: exemplars?.[exemplarAt] };
          continue;
        }
        const labels = labelsOf(entry);
        for (let i = 0; i < labels.length; i++) {
          yield {
            labels: labels[i] as readonly string[],
            value: entry.shown[at + i] as number,
            exemplar: exemplars?.[exemplarAt + i],
          };
        }
      }
    },
  };
}

function histogram(states: ShownStates, metric: MetricPlacement<HistogramColumn>): HistogramFamily {
  const { definition, column, at, exemplarAt } = metric;
  const buckets = column.bounds.length + 1;
  return {
    type: "histogram",
    name: definition.name,
    help: definition.help,
    labelNames: [...definition.labels, PARTITION_LABEL],
    exemplarLabel: definition.exemplar,
    *series() {
      for (const entry of shownEntries(states, metric)) {
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
      }
    },
  };
}

function gauge(
  states: ShownStates,
  metric: MetricPlacement,
  read: (values: Float64Array, at: number) => number | undefined,
): ScalarFamily {
  const { definition, at } = metric;
  return {
    type: "gauge",
    name: definition.name,
    help: definition.help,
    labelNames: [...definition.labels, PARTITION_LABEL],
    *series() {
      for (const entry of shownEntries(states, metric)) {
        const value = read(entry.shown, at);
        if (value !== undefined) yield { labels: entry.labels, value };
      }
    },
  };
}

function family(states: ShownStates, metric: MetricPlacement, now: () => number): MetricFamily {
  switch (metric.definition.type) {
    case "counter":
      return counter(states, metric as MetricPlacement<CounterColumn>);
    case "histogram":
      return histogram(states, metric as MetricPlacement<HistogramColumn>);
    case "gauge": {
      const column = metric.column as MaxColumn | LastColumn;
      return gauge(states, metric, (values, at) => column.read(values, at));
    }
    case "ratio": {
      const column = metric.column as WindowColumn;
      return gauge(states, metric, (values, at) => column.ratio(values, at, now()));
    }
  }
}

/**
 * The families `/metrics` serves from event state, one per catalogue metric
 * and in its order, read at scrape time from the committed state of the
 * partitions this replica owns; then the overflow counts of each.
 */
export function eventFamilies(
  models: readonly StreamModel[],
  states: ShownStates,
  now: () => number = Date.now,
): EventFamilies {
  const metrics = models.flatMap((model) => model.metrics) as MetricPlacement<Column>[];
  const families = metrics.map((metric) => family(states, metric, now));
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
