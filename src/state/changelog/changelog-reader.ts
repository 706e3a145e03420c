import type { PartitionState } from "../../aggregate/partition-state.js";
import type { SeriesTable } from "../../aggregate/series-table.js";
import type { ColumnLayout } from "../../aggregate/table-definition.js";
import { type DecodedRecord, decodeRecord, LAYOUT_PREFIX } from "./changelog-codec.js";
import type { ChangelogHistory } from "./changelog-writer.js";

type EntryRecord = DecodedRecord & { type: "entry" };

/**
 * Reads a changelog partition back into a partition's state, in log order
 * (the newest record of a key wins): the partition record, layouts, entries
 * and removals. An entry written with another layout the changelog holds is
 * converted to this version's (and written again in it at the next commit);
 * one read before its layout waits for the end. What this version cannot
 * read is remembered, to be removed at the next commit.
 */
export class ChangelogReader {
  private readonly layouts = new Map<string, readonly ColumnLayout[]>();
  private readonly staleKeys = new Set<string>();
  /** Entries read before the layout they were written with, newest per key. */
  private readonly waitingForLayout = new Map<string, EntryRecord>();

  constructor(private readonly state: PartitionState) {}

  read(key: string, value: Buffer | null): void {
    const record = decodeRecord(key, value);
    if (record.type === "partition") {
      this.state.restoreMeta(record.meta);
      return;
    }
    if (record.type === "layout") {
      this.layouts.set(record.layoutId, record.columns);
      return;
    }
    const table = record.type === "entry" ? this.state.tableByKey(record.tableKey) : undefined;
    if (record.type === "unknown" || table === undefined) {
      if (!key.startsWith(LAYOUT_PREFIX)) this.staleKeys.add(key);
      return;
    }
    this.waitingForLayout.delete(key);
    if (record.values === null) {
      this.staleKeys.delete(key);
      table.restoreRemoval(record.labels);
    } else if (!this.restoreEntry(table, record)) this.waitingForLayout.set(key, record);
  }

  /** Ends the restore: the state shows what was read; returns what the writer must know of the partition. */
  finish(): ChangelogHistory {
    for (const [key, record] of this.waitingForLayout) {
      const table = this.state.tableByKey(record.tableKey) as SeriesTable;
      if (!this.restoreEntry(table, record)) this.staleKeys.add(key);
    }
    this.waitingForLayout.clear();
    this.state.finishRestore();
    return { layouts: this.layouts, staleKeys: this.staleKeys };
  }

  /**
   * Puts back an entry in its table's layout, converting one written with
   * another layout the changelog holds. False when its layout is not known
   * (yet) or does not fit.
   */
  private restoreEntry(table: SeriesTable, record: EntryRecord): boolean {
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
