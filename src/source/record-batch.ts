/** One Kafka record as the data path needs it (a kafkajs message satisfies it without copying). */
export interface SourceRecord {
  readonly offset: string;
  readonly value: Buffer | null;
}

/** Records of one topic-partition, in offset order. */
export interface RecordBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly SourceRecord[];
}

/**
 * The next stage, as the source sees it. The source resolves and commits a
 * batch's offsets only after `handleBatch` settles (at-least-once).
 */
export interface BatchSink {
  handleBatch(batch: RecordBatch): void | Promise<void>;
}
