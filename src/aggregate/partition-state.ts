import type { StreamEvent } from "../events/stream-event.js";
import {
  type ChangelogRecord,
  type DecodedRecord,
  encodeMeta,
  encodeValues,
  entryKey,
  layoutRecord,
  PARTITION_KEY,
} from "./changelog-codec.js";
import { SeriesTable } from "./series-table.js";
import type { StreamModel } from "./stream-model.js";
import type { ColumnLayout, TableDefinition } from "./table-definition.js";

/** Settings of a partition's state. */
export interface PartitionStateOptions {
  /** Label sets per table and partition before new ones fold into `__overflow__`. */
  readonly seriesLimit: number;
}

/** The changes since the last snapshot, and how to show them once they are durable. */
export interface StateSnapshot {
  readonly records: readonly ChangelogRecord[];
  /** The input offset the snapshot includes every record before. */
  readonly nextOffset: string | undefined;
  /** Shows the snapshot's state on `/metrics`; returns the input records it covers that were not shown before. */
  publish(): number;
}

/**
 * The aggregation state of one input partition: the tables its topic's events
 * feed, where in the partition the state stands, and the partition's own
 * clock (the newest record time applied), which series TTL reads so that
 * expiry depends on the data, not on when it was processed.
 *
 * It is what a changelog partition holds: `snapshot` takes the changes as
 * records, `restoreRecord` reads them back; a state restored from every
 * record a snapshot wrote equals the snapshot's state.
 */
export class PartitionState {
  readonly tables: readonly SeriesTable[];
  private readonly tablesByKey: ReadonlyMap<string, SeriesTable>;
  /** Every input record before this offset is applied; `undefined` before the first one. */
  nextOffset: string | undefined;
  /** The `nextOffset` of the state `/metrics` shows. */
  shownNextOffset: string | undefined;
  watermarkMs = 0;
  /** Records applied since the last snapshot. */
  private recordsSinceSnapshot = 0;
  /** Changelog keys this version does not read (a removed table, an unreadable record): removed at the next commit. */
  private readonly staleKeys = new Set<string>();
  /** Layouts the changelog partition holds (read back, or written and committed). */
  private readonly layouts = new Map<string, readonly ColumnLayout[]>();
  /** Entries read before the layout they were written with, newest per key: read at the end of the restore. */
  private readonly waitingForLayout = new Map<string, DecodedRecord & { type: "entry" }>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly model: StreamModel,
    options: PartitionStateOptions,
  ) {
    this.tables = model.tables.map(
      (definition) => new SeriesTable(definition, partition, options.seriesLimit),
    );
    this.tablesByKey = new Map(this.tables.map((table) => [table.definition.key, table]));
  }

  /** This partition's table of a definition. */
  table(definition: TableDefinition): SeriesTable {
    return this.tablesByKey.get(definition.key) as SeriesTable;
  }

  /** Applies one event at its record time (epoch ms; not a time: the watermark). */
  apply(event: StreamEvent, recordTimeMs: number): void {
    let timeMs = this.watermarkMs;
    if (recordTimeMs > timeMs) this.watermarkMs = timeMs = recordTimeMs;
    else if (recordTimeMs >= 0) timeMs = recordTimeMs;
    this.model.apply(this.tables, event, timeMs);
  }

  /** Records up to `nextOffset` (exclusive) are applied; `records` of them since the last call. */
  advance(nextOffset: string, records: number): void {
    this.nextOffset = nextOffset;
    this.recordsSinceSnapshot += records;
  }

  /**
   * Removes label sets no record touched for their table's TTL (or
   * `defaultTtlMs`) of the partition's record time; 0 keeps them.
   */
  expire(defaultTtlMs: number): number {
    let removed = 0;
    for (const table of this.tables) {
      const ttlMs = table.definition.ttlMs ?? defaultTtlMs;
      if (ttlMs > 0) removed += table.expireTouchedBefore(this.watermarkMs - ttlMs);
    }
    return removed;
  }

  /** True when nothing was applied or removed since the last snapshot. */
  get unchanged(): boolean {
    return (
      this.recordsSinceSnapshot === 0 &&
      this.staleKeys.size === 0 &&
      this.tables.every((table) => table.pendingChanges === 0)
    );
  }

  /**
   * The changes since the last snapshot as changelog records (removals,
   * changed entries, then the partition record), taken synchronously so they
   * match `nextOffset` exactly while events keep being applied.
   */
  snapshot(): StateSnapshot {
    const records: ChangelogRecord[] = [];
    for (const key of this.staleKeys) records.push({ key, value: null });
    this.staleKeys.clear();
    const newLayouts: TableDefinition[] = [];
    const publishers = this.tables.map((table) => {
      const { changes, publish } = table.snapshot();
      const definition = table.definition;
      if (changes.length > 0 && !this.layouts.has(definition.layoutId)) {
        records.push(layoutRecord(definition.key, definition.layoutId, definition.layout));
        newLayouts.push(definition);
      }
      for (const change of changes) {
        records.push({
          key: entryKey(definition.key, change.labels),
          value: change.values === null ? null : encodeValues(definition.layoutId, change.values),
        });
      }
      return publish;
    });
    const nextOffset = this.nextOffset;
    const overflowed = Object.fromEntries(this.tables.map((t) => [t.definition.key, t.overflowed]));
    records.push({
      key: PARTITION_KEY,
      value: encodeMeta({ nextOffset, watermarkMs: this.watermarkMs, overflowed }),
    });
    const covered = this.recordsSinceSnapshot;
    this.recordsSinceSnapshot = 0;
    return {
      records,
      nextOffset,
      publish: () => {
        for (const definition of newLayouts) this.layouts.set(definition.layoutId, definition.layout);
        for (const publish of publishers) publish();
        this.shownNextOffset = nextOffset;
        return covered;
      },
    };
  }

  /** Applies one changelog record read back, in log order (the newest record of a key wins). */
  restoreRecord(key: string, record: DecodedRecord): void {
    if (record.type === "partition") {
      this.nextOffset = record.meta?.nextOffset;
      this.watermarkMs = record.meta?.watermarkMs ?? 0;
      for (const table of this.tables) table.overflowed = record.meta?.overflowed[table.definition.key] ?? 0;
      return;
    }
    if (record.type === "layout") {
      this.layouts.set(record.layoutId, record.columns);
      return;
    }
    const table = record.type === "entry" ? this.tablesByKey.get(record.tableKey) : undefined;
    if (record.type === "unknown" || table === undefined) {
      if (!key.startsWith("@layout:")) this.staleKeys.add(key);
      return;
    }
    this.waitingForLayout.delete(key);
    if (record.values === null) {
      this.staleKeys.delete(key);
      table.restoreRemoval(record.labels);
    } else if (!this.restoreEntry(table, record)) this.waitingForLayout.set(key, record);
  }

  /** Ends a restore: what was read is the committed state, and `/metrics` shows it. */
  finishRestore(): void {
    for (const [key, record] of this.waitingForLayout) {
      const table = this.tablesByKey.get(record.tableKey) as SeriesTable;
      if (!this.restoreEntry(table, record)) this.staleKeys.add(key);
    }
    this.waitingForLayout.clear();
    for (const table of this.tables) table.showRestored();
    this.shownNextOffset = this.nextOffset;
  }

  /**
   * Puts back an entry in this table's layout, converting one written with
   * another layout the changelog holds (and writing it again in this one at
   * the next commit). False when its layout is not known (yet: an entry read
   * before its layout waits for the end of the restore) or does not fit.
   */
  private restoreEntry(table: SeriesTable, record: DecodedRecord & { type: "entry" }): boolean {
    const definition = table.definition;
    const values = record.values as Float64Array;
    if (record.layoutId === definition.layoutId && values.length === definition.width) {
      table.restore(record.labels, values);
      return true;
    }
    const layout = this.layouts.get(record.layoutId as string);
    const width = layout && 1 + layout.reduce((sum, column) => sum + column[2], 0);
    if (layout === undefined || width !== values.length) return false;
    table.restore(record.labels, definition.fromLayout(layout, values), true);
    return true;
  }
}
