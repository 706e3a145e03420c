import type { Exemplar } from "./exemplar.js";
import { type TableDefinition, TOUCHED_SLOT } from "./table-definition.js";

/** The label value every label of a folded series takes. */
export const OVERFLOW_LABEL = "__overflow__";

/** Lookup key of the overflow entry: a control character no label value keeps. */
const OVERFLOW_KEY = "\u0001";

/** Publishes whose changed entries a table remembers, for readers a few publishes behind. */
const HISTORY_PUBLISHES = 32;

/** A new entry's shown state until its first publish: never read, and never the working state. */
const NEVER_SHOWN = new Float64Array(0);

/** Separator of label values in lookup keys (label values never hold control characters). */
export const LABEL_SEPARATOR = "\u0000";

/** The state of one label set. */
export interface SeriesEntry {
  /** Label values joined by {@link LABEL_SEPARATOR}; the overflow entry has its own. */
  readonly lookupKey: string;
  /** Label values as exposed: the table's labels, then the partition. */
  readonly labels: readonly string[];
  /** Working state, updated by every event. */
  readonly values: Float64Array;
  /**
   * What `/metrics` shows: the copy of the working state the last publish
   * made, replaced (never changed) at each publish, so its identity says
   * which state a text was made from.
   */
  shown: Float64Array;
  /** The latest exemplar per exemplar slot, when the table keeps exemplars (in memory only). */
  readonly exemplars: (Exemplar | undefined)[] | undefined;
  /** The exemplars `/metrics` shows, published with the state they belong to. */
  shownExemplars: readonly (Exemplar | undefined)[] | undefined;
  dirty: boolean;
}

/** A changed entry or a removal, ready for the changelog. */
export interface TableChange {
  readonly table: TableDefinition;
  /** Label values, or `null` for the overflow entry. */
  readonly labels: readonly string[] | null;
  /** The entry's state at the snapshot, or `null` for a removal. */
  readonly values: Float64Array | null;
}

/**
 * The entries of one table in one partition, by label set, with a
 * cardinality cap: once `limit` label sets exist, events of new label sets
 * fold into one entry whose labels are all `__overflow__` (and are counted).
 * Which label sets were admitted is itself state: it is written to the
 * changelog with the entries, so a restore admits exactly the same ones.
 *
 * The table keeps two views: the working entries that events update, and the
 * shown ones `/metrics` reads, which move only when a snapshot of the working
 * state is published (after its commit in durable mode, every 50
 * milliseconds in memory mode). Between two publishes what `/metrics` shows
 * does not change, so its text can be made once and served many times.
 */
export class SeriesTable {
  private readonly working = new Map<string, SeriesEntry>();
  private readonly visible = new Map<string, SeriesEntry>();
  private overflowEntry: SeriesEntry | undefined;
  private visibleOverflow: SeriesEntry | undefined;
  /** Events folded into the overflow entry. */
  overflowed = 0;
  private publishedOverflowed = 0;
  private dirtyEntries: SeriesEntry[] = [];
  /** Entries removed since the last snapshot, by lookup key. */
  private removals = new Map<string, SeriesEntry>();
  private readonly partitionLabel: string;
  /** Counts the publishes that changed what the table shows: readers cache what they made of it by it. */
  shownVersion = 0;
  /** The last version at which shown entries came or went (not only changed). */
  private layoutVersion = 0;
  /** The entries each recent publish changed, oldest first, by the version it made. */
  private readonly history: { readonly version: number; readonly entries: readonly SeriesEntry[] }[] = [];

  constructor(
    readonly definition: TableDefinition,
    partition: number,
    private readonly limit: number,
  ) {
    this.partitionLabel = String(partition);
  }

  /**
   * The entry of a label set, created with `labels()` if new and under the
   * limit, else the overflow entry; marks it touched at `touchedMs`.
   * `lookupKey` must be the label values joined by {@link LABEL_SEPARATOR}.
   */
  entry(lookupKey: string, labels: () => readonly string[], touchedMs: number): SeriesEntry {
    let entry = this.working.get(lookupKey);
    if (entry === undefined) {
      // Expired since the last snapshot, its removal not committed: /metrics still shows it, so it
      // continues where it is rather than restarting at 0 under the value shown.
      const expired = this.removals.get(lookupKey);
      if (expired !== undefined && this.working.size < this.limit) {
        entry = expired;
        this.working.set(lookupKey, entry);
        this.removals.delete(lookupKey);
      } else if (this.working.size < this.limit) {
        entry = this.create(lookupKey, labels(), this.definition.newValues());
        this.working.set(lookupKey, entry);
        this.removals.delete(lookupKey);
      } else {
        this.overflowed++;
        entry = this.overflowEntry ??= this.createOverflow(this.definition.newValues());
      }
    }
    const values = entry.values;
    if (touchedMs > (values[TOUCHED_SLOT] as number)) values[TOUCHED_SLOT] = touchedMs;
    if (!entry.dirty) {
      entry.dirty = true;
      this.dirtyEntries.push(entry);
    }
    return entry;
  }

  /** Entries `/metrics` shows, the overflow entry last. */
  *shown(): IterableIterator<SeriesEntry> {
    yield* this.visible.values();
    if (this.visibleOverflow) yield this.visibleOverflow;
  }

  /** Changed entries and removals waiting for the next snapshot. */
  get pendingChanges(): number {
    return this.dirtyEntries.length + this.removals.size;
  }

  /** Label sets in the working state (the overflow entry not counted). */
  get size(): number {
    return this.working.size;
  }

  /** Removes label sets last touched before `cutoffMs` (never the overflow entry); returns how many. */
  expireTouchedBefore(cutoffMs: number): number {
    let removed = 0;
    for (const [key, entry] of this.working) {
      if ((entry.values[TOUCHED_SLOT] as number) < cutoffMs) {
        this.working.delete(key);
        this.removals.set(key, entry);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Takes the changes since the last snapshot: removals, then every changed
   * entry's state copied as it is now. Returns the changes and the function
   * that shows them once they are durable.
   */
  snapshot(): { changes: TableChange[]; publish: () => void } {
    const removals = this.removals;
    // An entry changed and then expired since the last snapshot is removed, not written: its removal
    // is the last thing that happened to it (a restore must not bring it back after its tombstone).
    const entries = this.dirtyEntries.filter((entry) => {
      const current =
        entry.lookupKey === OVERFLOW_KEY ? this.overflowEntry : this.working.get(entry.lookupKey);
      if (current === entry) return true;
      entry.dirty = false;
      return false;
    });
    this.removals = new Map();
    this.dirtyEntries = [];
    const changes: TableChange[] = [];
    for (const entry of removals.values()) {
      changes.push({ table: this.definition, labels: this.labelsOf(entry), values: null });
    }
    const copies = entries.map((entry) => {
      entry.dirty = false;
      const copy = entry.values.slice();
      changes.push({ table: this.definition, labels: this.labelsOf(entry), values: copy });
      return copy;
    });
    const exemplarCopies = entries.map((entry) => entry.exemplars?.slice());
    const overflowed = this.overflowed;
    return {
      changes,
      publish: () => {
        if (removals.size === 0 && entries.length === 0 && overflowed === this.publishedOverflowed) return;
        const version = ++this.shownVersion;
        let layout = false;
        for (const [key, entry] of removals) {
          if (this.visible.get(key) === entry) {
            this.visible.delete(key);
            layout = true;
          }
        }
        entries.forEach((entry, i) => {
          entry.shown = copies[i] as Float64Array;
          entry.shownExemplars = exemplarCopies[i];
          if (entry.lookupKey === OVERFLOW_KEY) {
            layout ||= this.visibleOverflow !== entry;
            this.visibleOverflow = entry;
          } else if (this.visible.get(entry.lookupKey) !== entry) {
            layout = true;
            this.visible.set(entry.lookupKey, entry);
          }
        });
        this.publishedOverflowed = overflowed;
        if (layout) this.layoutVersion = version;
        this.history.push({ version, entries });
        if (this.history.length > HISTORY_PUBLISHES) this.history.shift();
      },
    };
  }

  /**
   * Puts back an entry read from the changelog (`labels` null: the overflow
   * entry). `rewrite`: it was read from another layout, and the next
   * snapshot writes it again in this one.
   */
  restore(labels: readonly string[] | null, values: Float64Array, rewrite = false): void {
    let entry: SeriesEntry;
    if (labels === null) entry = this.overflowEntry = this.createOverflow(values);
    else {
      const key = labels.join(LABEL_SEPARATOR);
      entry = this.create(key, labels, values);
      this.working.set(key, entry);
    }
    if (rewrite) {
      entry.dirty = true;
      this.dirtyEntries.push(entry);
    }
  }

  /** Forgets an entry the changelog removed. */
  restoreRemoval(labels: readonly string[] | null): void {
    if (labels === null) this.overflowEntry = undefined;
    else this.working.delete(labels.join(LABEL_SEPARATOR));
  }

  /** After a restore: the restored state is the committed state, so all of it shows. */
  showRestored(): void {
    for (const entry of this.working.values()) {
      entry.shown = entry.values.slice();
      this.visible.set(entry.lookupKey, entry);
    }
    if (this.overflowEntry) {
      this.overflowEntry.shown = this.overflowEntry.values.slice();
      this.visibleOverflow = this.overflowEntry;
    }
    this.layoutVersion = ++this.shownVersion;
    // A rewritten entry that a later record replaced or removed is not written twice.
    this.dirtyEntries = this.dirtyEntries.filter(
      (entry) =>
        (entry.lookupKey === OVERFLOW_KEY ? this.overflowEntry : this.working.get(entry.lookupKey)) === entry,
    );
    this.publishedOverflowed = this.overflowed;
  }

  /**
   * The entries whose shown state publishes after `version` replaced, when
   * no shown entry came or went since and the history reaches back that far;
   * otherwise undefined (read them all).
   */
  changedSince(version: number): readonly SeriesEntry[] | undefined {
    if (version < this.layoutVersion) return undefined;
    const first = this.history.findIndex((publish) => publish.version > version);
    if (first < 0) return version === this.shownVersion ? [] : undefined;
    // Only if the history reaches back to the publish right after `version`.
    if ((this.history[first] as { version: number }).version !== version + 1) return undefined;
    return this.history.slice(first).flatMap((publish) => publish.entries);
  }

  /** Events folded into the overflow entry, as `/metrics` shows them. */
  get shownOverflowed(): number {
    return this.publishedOverflowed;
  }

  private labelsOf(entry: SeriesEntry): readonly string[] | null {
    return entry.lookupKey === OVERFLOW_KEY ? null : entry.labels.slice(0, -1);
  }

  private create(lookupKey: string, labels: readonly string[], values: Float64Array): SeriesEntry {
    const width = this.definition.exemplarWidth;
    const exemplars = width === 0 ? undefined : new Array<Exemplar | undefined>(width);
    return {
      lookupKey,
      labels: [...labels, this.partitionLabel],
      values,
      shown: NEVER_SHOWN,
      exemplars,
      shownExemplars: undefined,
      dirty: false,
    };
  }

  private createOverflow(values: Float64Array): SeriesEntry {
    const labels = new Array<string>(this.definition.labelNames.length).fill(OVERFLOW_LABEL);
    return this.create(OVERFLOW_KEY, labels, values);
  }
}
