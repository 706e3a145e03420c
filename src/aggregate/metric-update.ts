import { EVENT_TIME } from "./metric-definition.js";

/**
 * How a column's update is written into a stream's compiled apply function
 * (see `compile-apply.ts`). A column emits a block of JavaScript that runs
 * once per event with these names in scope:
 *
 * - `event`: the StreamEvent; `f`: its fields; `labels`: its label values;
 * - `timeMs`: the record time the event is applied at;
 * - `entry`: the table's entry of the event's label set; `v`: its values.
 *
 * Event data never becomes code: a field name enters only as a JSON string
 * literal, every other value (a column, a map, a comparison value) as a
 * constant the function receives.
 */
export interface EmitContext {
  /** Where the metric's slots start in `v`. */
  readonly at: number;
  /** Where the metric's exemplars start in `entry.exemplars`. */
  readonly exemplarAt: number;
  /** An expression naming a constant the compiled code receives. */
  constant(value: unknown): string;
  /** The index of a label field in `labels`. */
  labelIndex(field: string): number;
}

/** An expression reading a field of the event: `f["name"]`, a named load with its own inline cache. */
export function fieldExpression(field: string): string {
  return `f[${JSON.stringify(field)}]`;
}

/**
 * A block that binds `x` to a number read from the event (a numeric field, or
 * the event time in Unix seconds) and runs `body` with it; an event without
 * the field leaves the metric as it was.
 */
export function withNumber(field: string, body: string): string {
  if (field === EVENT_TIME) return `{ const x = event.timeMs / 1000; ${body} }`;
  return `{ const x = ${fieldExpression(field)}; if (typeof x === "number") { ${body} } }`;
}

/**
 * The statement that keeps the event as the exemplar of slot `slot` (an
 * expression) with value `value`, when the metric has an exemplar field and
 * the event carries it; empty otherwise.
 */
export function exemplarStatement(
  field: string | undefined,
  context: EmitContext,
  slot: string,
  value: string,
): string {
  if (field === undefined) return "";
  const id = `labels[${context.labelIndex(field)}]`;
  return `if (entry.exemplars !== undefined && ${id} !== "") entry.exemplars[${context.exemplarAt} + ${slot}] = { id: ${id}, value: ${value}, timeMs: event.timeMs };`;
}
