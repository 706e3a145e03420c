import type { PartitionState } from "../../aggregate/partition-state.js";
import type { SourceRecord } from "../../source/record-batch.js";
import { yieldToEventLoop } from "../../util/yield-to-event-loop.js";
import { ChangelogReader } from "./changelog-reader.js";
import type { ChangelogHistory } from "./changelog-writer.js";

/** Changelog records read back between two yields to the event loop (a fetch holds tens of thousands). */
const RECORDS_PER_SLICE = 2_000;

/** Thrown into a restore that a rebalance or a stop made pointless. */
export class RestoreCancelled extends Error {
  override readonly name = "RestoreCancelled";
}

/**
 * Rebuilds a partition's state from its changelog partition, read
 * `read_committed` from `start` up to `end`, the last stable offset taken
 * after the partition's producer was fenced (nothing can be written after
 * it). Done when the consumer's position reaches `end`: the position, not the
 * last record seen, because transaction markers occupy offsets too.
 */
export class ChangelogRestore {
  private readonly reader: ChangelogReader;
  private position: bigint;
  private readonly end: bigint;
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  /** Resolves when the state holds everything up to `end`. */
  readonly done: Promise<void>;
  records = 0;
  private cancelled = false;

  constructor(state: PartitionState, start: string, end: string) {
    this.reader = new ChangelogReader(state);
    this.position = BigInt(start);
    this.end = BigInt(end);
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => {});
    this.check();
  }

  /**
   * Applies a fetched batch of the changelog partition, skipping what was
   * read already, a slice at a time with a yield to the event loop between
   * two; stops where it is if the restore is cancelled meanwhile.
   */
  async accept(records: readonly SourceRecord[], nextOffset: string): Promise<void> {
    for (let i = 0; i < records.length; i++) {
      if (i > 0 && i % RECORDS_PER_SLICE === 0) {
        await yieldToEventLoop();
        if (this.cancelled) return;
      }
      const record = records[i] as SourceRecord;
      const offset = BigInt(record.offset);
      if (offset < this.position) continue;
      this.reader.read(record.key?.toString("utf8") ?? "", record.value);
      this.records++;
      this.position = offset + 1n;
    }
    this.advanceTo(nextOffset);
  }

  /** The consumer's position moved (also past control records, which no batch shows). */
  advanceTo(nextOffset: string): void {
    const next = BigInt(nextOffset);
    if (next > this.position) this.position = next;
    this.check();
  }

  /** Once done: the state shows what was read; what the changelog writer must know of the partition. */
  finish(): ChangelogHistory {
    return this.reader.finish();
  }

  cancel(): void {
    this.cancelled = true;
    this.settle.reject(new RestoreCancelled("restore cancelled"));
  }

  private check(): void {
    if (this.position >= this.end) this.settle.resolve();
  }
}
