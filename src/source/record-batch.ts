/** One Kafka record as the data path needs it (a kafkajs message satisfies it without copying). */
export interface SourceRecord {
  readonly offset: string;
  readonly value: Buffer | null;
  readonly key?: Buffer | null;
  /** Kafka record headers, as kafkajs gives them. */
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

/** Records of one topic-partition, in offset order. */
export interface RecordBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly SourceRecord[];
}

/**
 * How far the sink got: the whole batch, or up to (not including) the record
 * at `nextOffset`, which must be delivered again after `retryAfterMs` (a
 * dependency such as the schema registry is down).
 */
export type BatchOutcome =
  | { readonly status: "done" }
  | {
      readonly status: "held";
      readonly nextOffset: string;
      readonly retryAfterMs: number;
      readonly reason: string;
    };

/**
 * The next stage, as the source sees it. The source resolves and commits a
 * batch's offsets only after `handleBatch` settles (at-least-once), and only
 * up to where the sink got.
 */
export interface BatchSink {
  handleBatch(batch: RecordBatch): BatchOutcome | Promise<BatchOutcome>;
}
