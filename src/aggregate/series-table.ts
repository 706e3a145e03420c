/** The label value every label of a folded series takes. */
export const OVERFLOW_LABEL = "__overflow__";

/** What the table needs of a series: its labels and when an event last touched it. */
export interface TableEntry {
  readonly labels: readonly string[];
  lastUpdateMs: number;
}

/**
 * The series of one group of families, by label set, with a cardinality cap:
 * once `limit` label sets exist, events of new label sets fold into one
 * series whose labels are all `__overflow__` (and are counted), so a producer
 * bug or an attack cannot grow memory and scrapes without bound. Idle label
 * sets can be expired.
 */
export class SeriesTable<T extends TableEntry> {
  private readonly entries = new Map<string, T>();
  private overflowEntry: T | undefined;
  /** Events folded into the overflow series so far. */
  overflowed = 0;

  constructor(
    private readonly limit: number,
    private readonly labelCount: number,
    private readonly create: (labels: readonly string[]) => T,
  ) {}

  /** The series for `key`, created with `labels()` if new and under the limit, else the overflow series. */
  get(key: string, labels: () => readonly string[], nowMs: number): T {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      if (this.entries.size < this.limit) {
        entry = this.create(labels());
        this.entries.set(key, entry);
      } else {
        this.overflowed++;
        entry = this.overflowEntry ??= this.create(new Array<string>(this.labelCount).fill(OVERFLOW_LABEL));
      }
    }
    entry.lastUpdateMs = nowMs;
    return entry;
  }

  /** Every series, the overflow series last. */
  *values(): IterableIterator<T> {
    yield* this.entries.values();
    if (this.overflowEntry) yield this.overflowEntry;
  }

  /** Removes label sets no event touched since `cutoffMs`; returns how many. */
  expireIdleSince(cutoffMs: number): number {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.lastUpdateMs < cutoffMs) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }
}
