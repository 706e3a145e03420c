import type { Admin, Kafka, Producer } from "kafkajs";
import { RecentBrokerErrors } from "../../src/state/kafka-errors.js";

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

/** What a fake transactional producer did, in order, and how the test makes it behave. */
export interface FakeProducer {
  readonly id: number;
  readonly transactionalId: string;
  /** `connect`, `init` (the fence's InitProducerId), `send:<topic>`, `offsets`, `commit`, `abort`, `disconnect`. */
  readonly calls: string[];
  connected: boolean;
  /** Resolves `connect`: the test holds a fence in flight by not settling it yet. */
  connectGate: Promise<void>;
  /** Thrown by the next `connect` or `send` when set. */
  failWith: Error | undefined;
  /** Where what the brokers answered this producer's client goes. */
  readonly heard: RecentBrokerErrors;
}

/**
 * A kafkajs client for the partition lifecycle, without a broker: producers
 * that record what they were asked, in one shared log of InitProducerId
 * calls (which one fenced last), and each with the broker-error recorder of
 * the client that made it.
 */
export class FakeKafka {
  readonly producers: FakeProducer[] = [];
  /** Transactional ids in the order their producers claimed them (the last one holds the id). */
  readonly claims: string[] = [];
  /** Set on a producer before it connects; the test changes a producer's behaviour through it. */
  nextProducer: (producer: FakeProducer) => void = () => {};

  /**
   * The store's factory: a client per partition producer, whose broker
   * answers go to `heard`. Also callable as one shared client (`.producer`),
   * as the composition root once gave the store, with answers in `shared`.
   */
  factory(
    shared: RecentBrokerErrors = new RecentBrokerErrors(),
  ): ((heard: RecentBrokerErrors) => Kafka) & Kafka {
    const client = (heard: RecentBrokerErrors) =>
      ({
        producer: (options: { transactionalId: string }) => this.producer(options, heard),
      }) as unknown as Kafka;
    return Object.assign(client, client(shared)) as ((heard: RecentBrokerErrors) => Kafka) & Kafka;
  }

  private producer(options: { transactionalId: string }, heard: RecentBrokerErrors): Producer {
    const state: FakeProducer = {
      id: this.producers.length + 1,
      transactionalId: options.transactionalId,
      calls: [],
      connected: false,
      connectGate: Promise.resolve(),
      failWith: undefined,
      heard,
    };
    this.producers.push(state);
    this.nextProducer(state);
    const fail = () => {
      const error = state.failWith;
      if (error) throw error;
    };
    const transaction = {
      send: async ({ topic }: { topic: string }) => {
        state.calls.push(`send:${topic}`);
        fail();
      },
      sendOffsets: async () => {
        state.calls.push("offsets");
      },
      commit: async () => {
        state.calls.push("commit");
      },
      abort: async () => {
        state.calls.push("abort");
      },
      isActive: () => true,
    };
    return {
      connect: async () => {
        state.calls.push("connect");
        await state.connectGate;
        fail();
        state.connected = true;
      },
      transaction: async () => {
        if (!state.calls.includes("init")) {
          state.calls.push("init");
          this.claims.push(`${state.transactionalId}#${state.id}`);
        }
        return transaction;
      },
      disconnect: async () => {
        state.calls.push("disconnect");
        state.connected = false;
      },
    } as unknown as Producer;
  }
}

/** An admin client over empty topics: every changelog and input partition from offset 0 to 0. */
export function emptyTopicsAdmin(): Admin {
  return {
    fetchTopicOffsets: async () =>
      [0, 1, 2].map((partition) => ({ partition, offset: "0", low: "0", high: "0" })),
    fetchOffsets: async ({ topics }: { topics: string[] }) =>
      topics.map((topic) => ({
        topic,
        partitions: [0, 1, 2].map((partition) => ({ partition, offset: "-1" })),
      })),
  } as unknown as Admin;
}
