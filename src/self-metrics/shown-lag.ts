/** A partition's lag: records in Kafka that what `/metrics` shows does not include yet. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

/** Where the brokers say each partition ends, and where the group committed (read every few seconds). */
export interface PartitionOffsets {
  /** Where each partition of `topic` starts (`low`, after retention) and ends (`high`, the high watermark). */
  bounds(topic: string): Promise<ReadonlyMap<number, { readonly low: string; readonly high: string }>>;
  /** The group's committed offsets of `topic` (a partition never committed is absent). */
  committed(topic: string): Promise<ReadonlyMap<number, string>>;
}

const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * The lag of what `/metrics` shows, per assigned event-topic partition: the
 * partition's high watermark minus the offset the shown state includes every
 * record before (durable mode: the committed next offset; memory mode: the
 * applied one, published every 50 ms). Not the fetch position's lag: a
 * partition whose commits keep failing is fetched (and dropped) again and
 * again while nothing new is shown, and its lag must grow.
 *
 * High watermarks come with every fetched batch, and are read from the
 * brokers every few seconds (`refresh`) for partitions nothing is fetched
 * from (paused, failing, idle). A partition whose state was never shown
 * counts from the group's committed offset, or from its first record.
 */
export class ShownLag {
  private readonly highWatermarks = new Map<string, bigint>();
  /** Where counting starts for a partition never shown: the group's committed offset, else its first record. */
  private readonly startOf = new Map<string, bigint>();
  private assigned: ReadonlyMap<string, readonly number[]> = new Map();

  constructor(
    /** Where the shown state of a partition stands (kept while a failing partition is restored again). */
    private readonly shownOffset: (topic: string, partition: number) => string | undefined,
    private readonly offsets: PartitionOffsets,
  ) {}

  /** The event-topic partitions this member now owns; the others' lag is another member's to report. */
  setAssigned(assigned: ReadonlyMap<string, readonly number[]>): void {
    this.assigned = assigned;
    const wanted = new Set<string>();
    for (const [topic, partitions] of assigned) for (const p of partitions) wanted.add(keyOf(topic, p));
    for (const map of [this.highWatermarks, this.startOf]) {
      for (const key of map.keys()) if (!wanted.has(key)) map.delete(key);
    }
  }

  /** A fetched batch's high watermark. */
  noteHighWatermark(topic: string, partition: number, highWatermark: string): void {
    const key = keyOf(topic, partition);
    const value = BigInt(highWatermark);
    if (value > (this.highWatermarks.get(key) ?? -1n)) this.highWatermarks.set(key, value);
  }

  /** Reads the high watermarks (and committed offsets) of every assigned partition from the brokers. */
  async refresh(): Promise<void> {
    for (const [topic, partitions] of this.assigned) {
      if (partitions.length === 0) continue;
      const [bounds, committed] = await Promise.all([
        this.offsets.bounds(topic),
        this.offsets.committed(topic),
      ]);
      for (const partition of partitions) {
        const b = bounds.get(partition);
        if (b === undefined) continue;
        this.noteHighWatermark(topic, partition, b.high);
        const c = committed.get(partition);
        this.startOf.set(
          keyOf(topic, partition),
          c !== undefined && BigInt(c) >= 0n ? BigInt(c) : BigInt(b.low),
        );
      }
    }
  }

  /** Every assigned partition whose end is known, with its lag now. */
  lags(): PartitionLag[] {
    const out: PartitionLag[] = [];
    for (const [topic, partitions] of this.assigned) {
      for (const partition of partitions) {
        const key = keyOf(topic, partition);
        const high = this.highWatermarks.get(key);
        if (high === undefined) continue;
        const shown = this.shownOffset(topic, partition);
        const from = shown === undefined ? (this.startOf.get(key) ?? 0n) : BigInt(shown);
        out.push({ topic, partition, lag: Number(high > from ? high - from : 0n) });
      }
    }
    return out;
  }
}
