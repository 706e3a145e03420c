import type { StreamEvent } from "../events/stream-event.js";
import type { Column } from "./column.js";
import { type ApplyFunction, compileApply, type EmittingColumn, type TablePlan } from "./compile-apply.js";
import { CounterColumn } from "./counter-column.js";
import { HistogramColumn } from "./histogram-column.js";
import { LastColumn } from "./last-column.js";
import { MaxColumn } from "./max-column.js";
import type { MetricDefinition } from "./metric-definition.js";
import type { SeriesTable } from "./series-table.js";
import { TableDefinition } from "./table-definition.js";
import { WindowColumn } from "./window-column.js";

/** Where one metric's state lives: its table, its column and the column's place in an entry. */
export interface MetricPlacement<C extends Column = Column> {
  readonly stream: string;
  readonly definition: MetricDefinition;
  readonly table: TableDefinition;
  readonly column: C;
  readonly at: number;
  readonly exemplarAt: number;
}

/**
 * Which tables a stream's events feed, and how one event updates them:
 * compiled from the catalogue's metrics, once, at start.
 */
export interface StreamModel {
  readonly name: string;
  readonly tables: readonly TableDefinition[];
  /** Every metric, in the catalogue's order. */
  readonly metrics: readonly MetricPlacement[];
  /**
   * Applies one event to a partition's tables (in the order of `tables`).
   * `timeMs` is the event's record time (its Kafka timestamp): deterministic
   * on replay, unlike the wall clock.
   */
  apply(tables: readonly SeriesTable[], event: StreamEvent, timeMs: number): void;
}

function columnOf(metric: MetricDefinition): EmittingColumn {
  switch (metric.type) {
    case "counter":
      return CounterColumn.of(metric);
    case "histogram":
      return HistogramColumn.of(metric);
    case "gauge":
      return metric.aggregate === "last" ? new LastColumn() : new MaxColumn();
    case "ratio":
      return new WindowColumn(metric.windowMs as number);
  }
}

/**
 * Compiles a stream's metrics: metrics with the same labels share a table
 * (one lookup per event and label set, one changelog record per label set),
 * each metric is a column of it, and each column's updater says how an event
 * changes it. `labelFields` is the order of `StreamEvent.labels`.
 */
export function compileStreamModel(
  name: string,
  labelFields: readonly string[],
  metrics: readonly MetricDefinition[],
): StreamModel {
  const groups = new Map<string, MetricDefinition[]>();
  for (const metric of metrics) {
    const labels = metric.labels.join(",");
    const group = groups.get(labels);
    if (group) group.push(metric);
    else groups.set(labels, [metric]);
  }
  const labelIndex = (field: string) => {
    const index = labelFields.indexOf(field);
    if (index < 0) throw new Error(`stream ${name}: ${field} is not one of its label fields`);
    return index;
  };
  const plans: TablePlan[] = [];
  const placements = new Map<string, MetricPlacement>();
  for (const [labels, group] of groups) {
    const columns = Object.fromEntries(group.map((metric) => [metric.name, columnOf(metric)]));
    const first = group[0] as MetricDefinition;
    const table = new TableDefinition(`${name}/${labels}`, first.labels, columns, first.ttlMs);
    const metricsOfTable = group.map((metric) => {
      const column = columns[metric.name] as EmittingColumn;
      const at = table.offsets[metric.name] as number;
      const exemplarAt = table.exemplarOffsets[metric.name] as number;
      placements.set(metric.name, { stream: name, definition: metric, table, column, at, exemplarAt });
      return { definition: metric, column, at, exemplarAt };
    });
    plans.push({ table, labelIndexes: first.labels.map(labelIndex), metrics: metricsOfTable });
  }
  const apply: ApplyFunction = compileApply(plans, labelIndex);
  return {
    name,
    tables: plans.map((plan) => plan.table),
    metrics: metrics.map((metric) => placements.get(metric.name) as MetricPlacement),
    apply,
  };
}
