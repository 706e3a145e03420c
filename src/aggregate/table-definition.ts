import { createHash } from "node:crypto";
import type { Column } from "./column.js";

/** Slot 0 of every entry: the newest record time that touched it (series TTL reads it). */
export const TOUCHED_SLOT = 0;

/**
 * The series that share one label set: which labels identify them and which
 * columns each keeps. Validated at construction, like a prom-client metric.
 * `key` names the layout in the changelog: a change of labels, columns or
 * buckets gives a new key, so state written with another layout is never
 * read as this one.
 */
export class TableDefinition<C extends Readonly<Record<string, Column>> = Readonly<Record<string, Column>>> {
  /** Float64 slots of one entry: the touched time, then every column. */
  readonly width: number;
  /** Where each column starts in an entry. */
  readonly offsets: { readonly [K in keyof C]: number };
  readonly key: string;

  constructor(
    readonly id: string,
    readonly labelNames: readonly string[],
    readonly columns: C,
  ) {
    if (!/^[a-z][a-z0-9_]*$/.test(id)) throw new Error(`table id ${JSON.stringify(id)} must be snake_case`);
    if (new Set(labelNames).size !== labelNames.length) throw new Error(`table ${id} repeats a label name`);
    let next = TOUCHED_SLOT + 1;
    const offsets: Record<string, number> = {};
    for (const [name, column] of Object.entries(columns)) {
      offsets[name] = next;
      next += column.slots;
    }
    this.width = next;
    this.offsets = offsets as { readonly [K in keyof C]: number };
    const layout = JSON.stringify([
      labelNames,
      Object.entries(columns).map(([name, c]) => [name, c.kind, c.slots, c.layout]),
    ]);
    this.key = `${id}@${createHash("sha256").update(layout).digest("hex").slice(0, 8)}`;
  }

  /** A zeroed entry with every column initialised. */
  newValues(): Float64Array {
    const values = new Float64Array(this.width);
    for (const [name, column] of Object.entries(this.columns)) {
      column.init?.(values, this.offsets[name as keyof C]);
    }
    return values;
  }
}
