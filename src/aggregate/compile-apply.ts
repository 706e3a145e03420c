import type { StreamEvent } from "../events/stream-event.js";
import type { Column } from "./column.js";
import type { MetricDefinition } from "./metric-definition.js";
import type { EmitContext } from "./metric-update.js";
import { LABEL_SEPARATOR, type SeriesTable } from "./series-table.js";
import type { TableDefinition } from "./table-definition.js";

/** A column that can write its update into a compiled apply function: every series kind. */
export type EmittingColumn = Column & { emit(metric: MetricDefinition, context: EmitContext): string };

/** One table of a stream: its labels' places in `StreamEvent.labels`, and its metrics' columns. */
export interface TablePlan {
  readonly table: TableDefinition;
  readonly labelIndexes: readonly number[];
  readonly metrics: readonly {
    readonly definition: MetricDefinition;
    readonly column: EmittingColumn;
    readonly at: number;
    readonly exemplarAt: number;
  }[];
}

/** How a stream's events update its tables, as one function. */
export type ApplyFunction = (tables: readonly SeriesTable[], event: StreamEvent, timeMs: number) => void;

/**
 * Compiles a stream's updates into one function, once, at start — as ajv
 * compiles a JSON Schema into a validator. The function looks up each table's
 * entry and runs every metric's update inline, which is what hand-written
 * code for the built-in metrics did: named field loads with their own inline
 * caches and no indirect call per metric. Composed from closures instead, the
 * same updates ran at half the speed (measured in BENCHMARKS.md), because one
 * shared call site and one shared `fields[name]` load served every metric.
 *
 * Only code the columns write goes into the source; field names go in as JSON
 * string literals and every other value as a constant (`c[i]`).
 */
export function compileApply(
  plans: readonly TablePlan[],
  labelIndex: (field: string) => number,
): ApplyFunction {
  const constants: unknown[] = [];
  const constant = (value: unknown) => {
    constants.push(value);
    return `c[${constants.length - 1}]`;
  };
  const separator = JSON.stringify(LABEL_SEPARATOR);
  const blocks = plans.map(({ labelIndexes, metrics }, t) => {
    const values = labelIndexes.map((i) => `labels[${i}]`);
    const key = values.length === 0 ? '""' : values.join(` + ${separator} + `);
    const updates = metrics.map(({ definition, column, at, exemplarAt }) =>
      column.emit(definition, { at, exemplarAt, constant, labelIndex }),
    );
    return [
      "{",
      `  const entry = tables[${t}].entry(${key}, () => [${values.join(", ")}], timeMs);`,
      "  const v = entry.values;",
      ...updates.map((update) => `  ${update}`),
      "}",
    ].join("\n");
  });
  const source = [
    "return function apply(tables, event, timeMs) {",
    "const f = event.fields;",
    "const labels = event.labels;",
    ...blocks,
    "};",
  ].join("\n");
  return new Function("c", source)(constants) as ApplyFunction;
}
