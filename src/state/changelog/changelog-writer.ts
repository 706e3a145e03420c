import type { StateSnapshot } from "../../aggregate/partition-state.js";
import type { ColumnLayout } from "../../aggregate/table-definition.js";
import {
  type ChangelogRecord,
  encodeMeta,
  encodeValues,
  entryKey,
  layoutRecord,
  PARTITION_KEY,
} from "./changelog-codec.js";

/** What a restore found in a changelog partition that the writer must know. */
export interface ChangelogHistory {
  /** Layouts the partition holds, by id. */
  readonly layouts: ReadonlyMap<string, readonly ColumnLayout[]>;
  /** Keys this version does not read (a removed table, an unreadable record): removed at the next commit. */
  readonly staleKeys: ReadonlySet<string>;
}

/** Records a snapshot becomes, and what to remember once they are committed. */
export interface ChangelogWrite {
  readonly records: readonly ChangelogRecord[];
  /** Call once the records are committed: their layouts and removals are then the partition's. */
  committed(): void;
}

/**
 * Turns one partition's state snapshots into its changelog records, in the
 * format of `changelog-codec.ts`: the removals of keys this version does
 * not read (once), then table by table a layout record before the first
 * entry written with a layout the partition does not hold yet, the changed
 * entries and removals, and last the partition record (always: it carries
 * the offset, and keeps the transaction non-empty).
 */
export class ChangelogWriter {
  private readonly layouts: Map<string, readonly ColumnLayout[]>;
  private stale: Set<string>;

  constructor(history: ChangelogHistory = { layouts: new Map(), staleKeys: new Set() }) {
    this.layouts = new Map(history.layouts);
    this.stale = new Set(history.staleKeys);
  }

  /** True while something must be written even if the state did not change (keys to remove). */
  get pending(): boolean {
    return this.stale.size > 0;
  }

  write(snapshot: StateSnapshot): ChangelogWrite {
    const records: ChangelogRecord[] = [];
    const stale = this.stale;
    for (const key of stale) records.push({ key, value: null });
    const newLayouts = new Map<string, readonly ColumnLayout[]>();
    for (const change of snapshot.changes) {
      const definition = change.table;
      if (!this.layouts.has(definition.layoutId) && !newLayouts.has(definition.layoutId)) {
        records.push(layoutRecord(definition.key, definition.layoutId, definition.layout));
        newLayouts.set(definition.layoutId, definition.layout);
      }
      records.push({
        key: entryKey(definition.key, change.labels),
        value: change.values === null ? null : encodeValues(definition.layoutId, change.values),
      });
    }
    records.push({ key: PARTITION_KEY, value: encodeMeta(snapshot.meta) });
    return {
      records,
      committed: () => {
        for (const [id, layout] of newLayouts) this.layouts.set(id, layout);
        if (this.stale === stale) this.stale = new Set();
      },
    };
  }
}
