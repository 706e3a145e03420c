import type { Admin, Kafka, Message, Producer } from "kafkajs";
import type { SourceRecord } from "../../src/source/record-batch.js";
import type { RecentBrokerErrors } from "../../src/state/kafka-errors.js";

/** A promise the test settles when it wants. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The steps of a transactional producer a test can hold (a gate) or fail (once). */
export type ProducerStep = "connect" | "send" | "offsets" | "commit";

/** What a fake transactional producer did, in order, and how the test makes it behave. */
export interface FakeProducer {
  readonly id: number;
  readonly transactionalId: string;
  /** `connect`, `init` (the fence's InitProducerId), `send:<topic>`, `offsets`, `commit`, `abort`, `disconnect`. */
  readonly calls: string[];
  connected: boolean;
  /** A step waits for its gate while one is set: the test holds it in flight. */
  readonly gates: Partial<Record<ProducerStep, Promise<void>>>;
  /** Thrown by the step named, the next time it runs (then forgotten). */
  readonly failures: Partial<Record<ProducerStep, Error>>;
  /** Where what the brokers answered this producer's client goes. */
  readonly heard: RecentBrokerErrors;
}

/** A committed transaction: records per `topic:partition`, and the group offsets it committed. */
export interface CommittedTransaction {
  readonly producer: number;
  readonly records: ReadonlyMap<string, number>;
  readonly offsets: ReadonlyMap<string, string>;
}

/** The error a broker answers a producer whose transactional id a newer producer claimed, as kafkajs raises it. */
export function producerFenced(): Error {
  return Object.assign(
    new Error("There is a newer producer with the same transactionalId which fences the current one"),
    {
      name: "KafkaJSProtocolError",
      type: "PRODUCER_FENCED",
    },
  );
}

/** The time every fake record carries (record time does not matter to the lifecycle). */
const RECORD_TIME = "1764000000000";

/**
 * A Kafka cluster for the partition lifecycle, without a broker: partition
 * logs that only committed transactions append to (what a `read_committed`
 * consumer sees), group offsets, and transactional ids with the broker's
 * rule that the producer which claimed an id last is the only one whose
 * sends and commits are accepted (InitProducerId fences every older one).
 */
export class FakeCluster {
  readonly producers: FakeProducer[] = [];
  /** Transactional ids in the order their producers claimed them (`id#producer`; the last one holds the id). */
  readonly claims: string[] = [];
  readonly transactions: CommittedTransaction[] = [];
  /** Called with each new producer before it is used: the test sets its gates and failures. */
  nextProducer: (producer: FakeProducer) => void = () => {};
  private readonly logs = new Map<string, SourceRecord[]>();
  private readonly groupOffsets = new Map<string, string>();
  private readonly holders = new Map<string, number>();

  constructor(readonly partitions = 3) {}

  /** Appends records outside any transaction (a producer of events). */
  append(topic: string, partition: number, values: readonly (Buffer | null)[]): void {
    const log = this.log(topic, partition);
    for (const value of values)
      log.push({ offset: String(log.length), timestamp: RECORD_TIME, value, key: null });
  }

  /** A partition's records, as a `read_committed` consumer reads them. */
  records(topic: string, partition: number): readonly SourceRecord[] {
    return this.log(topic, partition);
  }

  /** The offset a group committed for a partition. */
  committedOffset(groupId: string, topic: string, partition: number): string | undefined {
    return this.groupOffsets.get(`${groupId}|${topic}:${partition}`);
  }

  /** The offset a group commits outside transactions (kafkajs's auto-commit, memory mode). */
  commitOffset(groupId: string, topic: string, partition: number, offset: string): void {
    this.groupOffsets.set(`${groupId}|${topic}:${partition}`, offset);
  }

  /** A client per partition producer (the durable store's factory); its broker answers go to `heard`. */
  readonly kafkaFor = (heard: RecentBrokerErrors): Kafka =>
    ({
      producer: (options: { transactionalId: string }) => this.producer(options.transactionalId, heard),
    }) as unknown as Kafka;

  /** The admin calls the durable store makes: partition bounds and group offsets. */
  admin(): Admin {
    const partitions = [...Array(this.partitions).keys()];
    return {
      fetchTopicOffsets: async (topic: string) =>
        partitions.map((partition) => {
          const high = String(this.log(topic, partition).length);
          return { partition, offset: high, low: "0", high };
        }),
      fetchOffsets: async ({ groupId, topics }: { groupId: string; topics: string[] }) =>
        topics.map((topic) => ({
          topic,
          partitions: partitions.map((partition) => ({
            partition,
            offset: this.committedOffset(groupId, topic, partition) ?? "-1",
          })),
        })),
    } as unknown as Admin;
  }

  private log(topic: string, partition: number): SourceRecord[] {
    const key = `${topic}:${partition}`;
    let log = this.logs.get(key);
    if (log === undefined) {
      log = [];
      this.logs.set(key, log);
    }
    return log;
  }

  private producer(transactionalId: string, heard: RecentBrokerErrors): Producer {
    const state: FakeProducer = {
      id: this.producers.length + 1,
      transactionalId,
      calls: [],
      connected: false,
      gates: {},
      failures: {},
      heard,
    };
    this.producers.push(state);
    this.nextProducer(state);
    const step = async (name: ProducerStep, call: string, fenceable: boolean) => {
      state.calls.push(call);
      await state.gates[name];
      const failure = state.failures[name];
      if (failure) {
        delete state.failures[name];
        throw failure;
      }
      if (fenceable && this.holders.get(transactionalId) !== state.id) throw producerFenced();
    };
    let open: { sends: { topic: string; messages: Message[] }[]; offsets: Map<string, string> } | undefined;
    const transaction = {
      send: async ({ topic, messages }: { topic: string; messages: Message[] }) => {
        await step("send", `send:${topic}`, true);
        open?.sends.push({ topic, messages });
      },
      sendOffsets: async (request: {
        consumerGroupId: string;
        topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
      }) => {
        await step("offsets", "offsets", true);
        for (const { topic, partitions } of request.topics)
          for (const { partition, offset } of partitions)
            open?.offsets.set(`${request.consumerGroupId}|${topic}:${partition}`, offset);
      },
      commit: async () => {
        await step("commit", "commit", true);
        if (open) this.commitTransaction(state.id, open);
        open = undefined;
      },
      abort: async () => {
        state.calls.push("abort");
        open = undefined;
      },
      isActive: () => open !== undefined,
    };
    return {
      connect: async () => {
        await step("connect", "connect", false);
        state.connected = true;
      },
      transaction: async () => {
        if (!state.calls.includes("init")) {
          state.calls.push("init");
          this.holders.set(transactionalId, state.id);
          this.claims.push(`${transactionalId}#${state.id}`);
        }
        open = { sends: [], offsets: new Map() };
        return transaction;
      },
      disconnect: async () => {
        state.calls.push("disconnect");
        state.connected = false;
      },
    } as unknown as Producer;
  }

  private commitTransaction(
    producer: number,
    { sends, offsets }: { sends: { topic: string; messages: Message[] }[]; offsets: Map<string, string> },
  ): void {
    const records = new Map<string, number>();
    for (const { topic, messages } of sends) {
      for (const message of messages) {
        const partition = message.partition ?? 0;
        const log = this.log(topic, partition);
        const key = message.key === null || message.key === undefined ? null : Buffer.from(message.key);
        const value =
          message.value === null || message.value === undefined ? null : Buffer.from(message.value);
        log.push({ offset: String(log.length), timestamp: RECORD_TIME, key, value });
        records.set(`${topic}:${partition}`, (records.get(`${topic}:${partition}`) ?? 0) + 1);
      }
    }
    for (const [key, offset] of offsets) this.groupOffsets.set(key, offset);
    this.transactions.push({ producer, records, offsets });
  }
}
