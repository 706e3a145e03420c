import type { StreamEvent } from "../events/stream-event.js";
import { SeriesTable, type TableChange } from "./series-table.js";
import type { StreamModel } from "./stream-model.js";
import type { TableDefinition } from "./table-definition.js";

/** Settings of a partition's state. */
export interface PartitionStateOptions {
  /** Label sets per table and partition before new ones fold into `__overflow__`. */
  readonly seriesLimit: number;
}

/** What a partition's state holds besides its tables' entries. */
export interface PartitionMeta {
  /** Every input record before this offset is in the state. */
  readonly nextOffset: string | undefined;
  /** Newest record time applied, in epoch ms: the partition's clock for series TTL. */
  readonly watermarkMs: number;
  /** Events folded into each table's overflow entry, by table key. */
  readonly overflowed: Readonly<Record<string, number>>;
  /** How many owners claimed the partition so far: each claims the next number (see `claimOwnership`). */
  readonly ownerEpoch: number;
}

/** The changes since the last snapshot, and how to show them once they are durable. */
export interface StateSnapshot {
  /** Removed and changed entries, table by table (removals first), with their values as they were. */
  readonly changes: readonly TableChange[];
  /** The partition's own record at the snapshot. */
  readonly meta: PartitionMeta;
  /** Shows the snapshot's state on `/metrics`; returns the input records it covers that were not shown before. */
  publish(): number;
}

/**
 * The aggregation state of one input partition: the tables its topic's events
 * feed, where in the partition the state stands, and the partition's own
 * clock (the newest record time applied), which series TTL reads so that
 * expiry depends on the data, not on when it was processed.
 *
 * It knows nothing of how it is kept: `snapshot` gives the changes since the
 * last one (what a store makes durable, if it keeps anything), and a restore
 * puts entries and the partition's record back (`table(key).restore…`,
 * `restoreMeta`, `finishRestore`).
 */
export class PartitionState {
  readonly tables: readonly SeriesTable[];
  private readonly tablesByKey: ReadonlyMap<string, SeriesTable>;
  /** Every input record before this offset is applied; `undefined` before the first one. */
  nextOffset: string | undefined;
  /** The `nextOffset` of the state `/metrics` shows. */
  shownNextOffset: string | undefined;
  watermarkMs = 0;
  /** The owner epoch in the state: the last owner's after a restore, this owner's once it claimed. */
  ownerEpoch = 0;
  /** This owner's epoch, once durable (durable mode) or at once (memory mode): `undefined` before. */
  shownOwnerEpoch: number | undefined;
  /** Records applied since the last snapshot. */
  private recordsSinceSnapshot = 0;

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

  /** The table a key names, if this version has it. */
  tableByKey(key: string): SeriesTable | undefined {
    return this.tablesByKey.get(key);
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
    return this.recordsSinceSnapshot === 0 && this.tables.every((table) => table.pendingChanges === 0);
  }

  /**
   * The changes since the last snapshot, taken synchronously so they match
   * `nextOffset` exactly while events keep being applied.
   */
  snapshot(): StateSnapshot {
    const changes: TableChange[] = [];
    const publishers = this.tables.map((table) => {
      const taken = table.snapshot();
      for (const change of taken.changes) changes.push(change);
      return taken.publish;
    });
    const nextOffset = this.nextOffset;
    const overflowed: Record<string, number> = {};
    for (const table of this.tables) overflowed[table.definition.key] = table.overflowed;
    const covered = this.recordsSinceSnapshot;
    this.recordsSinceSnapshot = 0;
    const ownerEpoch = this.ownerEpoch;
    const claimed = this.claimed;
    return {
      changes,
      meta: { nextOffset, watermarkMs: this.watermarkMs, overflowed, ownerEpoch },
      publish: () => {
        for (const publish of publishers) publish();
        this.shownNextOffset = nextOffset;
        if (claimed) this.shownOwnerEpoch = ownerEpoch;
        return covered;
      },
    };
  }

  private claimed = false;

  /**
   * Makes this owner the partition's newest: `epoch` when given (memory
   * mode, shown at once), else the restored epoch plus one, shown once a
   * snapshot carrying it is published (durable mode: committed first). The
   * rules that pick one replica's native histograms per partition keep the
   * highest epoch shown (deploy/prometheus/rules).
   */
  claimOwnership(epoch?: number): void {
    this.claimed = true;
    if (epoch === undefined) this.ownerEpoch += 1;
    else this.ownerEpoch = this.shownOwnerEpoch = epoch;
  }

  /** Puts back the partition's own record, read from where the state is kept. */
  restoreMeta(meta: PartitionMeta | null): void {
    this.nextOffset = meta?.nextOffset;
    this.watermarkMs = meta?.watermarkMs ?? 0;
    this.ownerEpoch = meta?.ownerEpoch ?? 0;
    for (const table of this.tables) table.overflowed = meta?.overflowed[table.definition.key] ?? 0;
  }

  /** Ends a restore: what was read is the committed state, and `/metrics` shows it. */
  finishRestore(): void {
    for (const table of this.tables) table.showRestored();
    this.shownNextOffset = this.nextOffset;
  }
}
