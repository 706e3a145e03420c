/** One Kafka record as the data path needs it (a kafkajs message satisfies it without copying). */
export interface SourceRecord {
  readonly offset: string;
  /** Record time in epoch ms, as Kafka stores it (producer create time or broker append time). */
  readonly timestamp: string;
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
  /** The offset after the batch, control records included: where the next fetch starts. */
  readonly nextOffset: string;
  /** True once the consumer was told to seek this partition: the rest of the batch must not be applied. */
  isStale(): boolean;
}

/**
 * How far the sink got: the whole batch; up to (not including) the record at
 * `nextOffset`, which must be delivered again after `retryAfterMs` (a
 * dependency such as the schema registry is down); or nothing, because the
 * partition is not ready for records (it is being restored, or no longer
 * owned) and will be positioned before it is fetched again.
 */
export type BatchOutcome =
  | { readonly status: "done" }
  | {
      readonly status: "held";
      readonly nextOffset: string;
      readonly retryAfterMs: number;
      readonly reason: string;
    }
  | { readonly status: "ignored" };

/** The next stage, as the source sees it: it takes every batch the consumer fetches. */
export interface BatchSink {
  handleBatch(batch: RecordBatch): Promise<BatchOutcome>;
}
