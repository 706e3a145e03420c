import { createHash } from "node:crypto";
import type { Column } from "./column.js";

/** Slot 0 of every entry: the newest record time that touched it (series TTL reads it). */
export const TOUCHED_SLOT = 0;

/** One column as the changelog describes it: enough to find it again in another layout. */
export type ColumnLayout = readonly [name: string, kind: Column["kind"], slots: number, layout: string];

/**
 * The series that share one label set: which labels identify them and which
 * columns each keeps. Validated at construction, like a prom-client metric.
 *
 * `key` names the table in the changelog and stays the same while its labels
 * do; `layoutId` fingerprints the columns. State written with another layout
 * (a metric added, removed, or with new buckets) is read back column by
 * column: a column of the same name, kind and layout keeps its state, one
 * that knows how to carry the old state over (a classic histogram given
 * native buckets) migrates it, any other starts at zero.
 */
export class TableDefinition<C extends Readonly<Record<string, Column>> = Readonly<Record<string, Column>>> {
  /** Float64 slots of one entry: the touched time, then every column. */
  readonly width: number;
  /** Where each column starts in an entry. */
  readonly offsets: { readonly [K in keyof C]: number };
  /** Where each column's exemplars start in an entry's exemplar array. */
  readonly exemplarOffsets: { readonly [K in keyof C]: number };
  /** Exemplars per entry (0: the table keeps none). */
  readonly exemplarWidth: number;
  readonly key: string;
  readonly layout: readonly ColumnLayout[];
  readonly layoutId: string;

  constructor(
    readonly id: string,
    readonly labelNames: readonly string[],
    readonly columns: C,
    /** Label sets idle this long (in record time) are removed; `undefined`: SERIES_TTL; 0: never. */
    readonly ttlMs?: number,
  ) {
    if (!/^[a-z][a-zA-Z0-9_./,:-]*$/.test(id)) {
      throw new Error(`table id ${JSON.stringify(id)} has characters a changelog key avoids`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new Error(`table ${id} repeats a label name`);
    let next = TOUCHED_SLOT + 1;
    let nextExemplar = 0;
    const offsets: Record<string, number> = {};
    const exemplarOffsets: Record<string, number> = {};
    for (const [name, column] of Object.entries(columns)) {
      offsets[name] = next;
      next += column.slots;
      exemplarOffsets[name] = nextExemplar;
      nextExemplar += column.exemplarSlots;
    }
    this.width = next;
    this.offsets = offsets as { readonly [K in keyof C]: number };
    this.exemplarOffsets = exemplarOffsets as { readonly [K in keyof C]: number };
    this.exemplarWidth = nextExemplar;
    this.key = id;
    this.layout = Object.entries(columns).map(([name, c]) => [name, c.kind, c.slots, c.layout] as const);
    this.layoutId = createHash("sha256")
      .update(JSON.stringify([labelNames, this.layout]))
      .digest("hex")
      .slice(0, 8);
  }

  /** A zeroed entry with every column initialised. */
  newValues(): Float64Array {
    const values = new Float64Array(this.width);
    for (const [name, column] of Object.entries(this.columns)) {
      column.init?.(values, this.offsets[name as keyof C]);
    }
    return values;
  }

  /**
   * An entry written with another layout, in this one: the touched time and
   * every column found there under the same name, kind and layout; the rest
   * as in a new entry.
   */
  fromLayout(layout: readonly ColumnLayout[], values: Float64Array): Float64Array {
    const converted = this.newValues();
    converted[TOUCHED_SLOT] = values[TOUCHED_SLOT] as number;
    let at = TOUCHED_SLOT + 1;
    for (const [name, kind, slots, shape] of layout) {
      const column = this.columns[name];
      const from = values.subarray(at, at + slots);
      const offset = this.offsets[name as keyof C];
      if (column && column.kind === kind && column.slots === slots && column.layout === shape) {
        converted.set(from, offset);
      } else column?.migrate?.(kind, shape, from, converted, offset);
      at += slots;
    }
    return converted;
  }
}
