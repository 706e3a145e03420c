import type { Consumer } from "kafkajs";
import type { Logger } from "pino";

/** What the group consumer does on kafkajs's group events. */
export interface ConsumerEventHandlers {
  /** A join completed, with the assignment by topic and the group's id. */
  joined(assignment: ReadonlyMap<string, readonly number[]>, groupId: string): void;
  rebalancing(): void;
  heartbeat(): void;
  /** A partition's fetch position moved to `nextOffset`. */
  position(topic: string, partition: number, nextOffset: string): void;
  /** A broker answered (a fetch, a commit). */
  contact(committed: boolean): void;
  disconnected(): void;
  crashed(error: Error, restart: boolean): void;
}

/**
 * Hands `consumer`'s group events to `handlers` while `current()` says it is
 * the consumer in use (not one left behind for a new subscription), and logs
 * the ones an operator follows.
 */
export function watchConsumerEvents(
  consumer: Consumer,
  current: () => boolean,
  handlers: ConsumerEventHandlers,
  logger: Logger,
  brokers: readonly string[],
): void {
  const { events } = consumer;
  // Registered through this, a handler hears only while `consumer` is the current one.
  const on = <E extends Parameters<Consumer["on"]>[0]>(
    event: E,
    handler: (event: Parameters<Parameters<Consumer["on"]>[1]>[0]) => void,
  ) => consumer.on(event as never, (payload: Parameters<typeof handler>[0]) => current() && handler(payload));
  on(events.CONNECT, () => logger.info({ event: "connected", brokers }, "connected to Kafka"));
  on(events.GROUP_JOIN, ({ payload }) => {
    handlers.joined(new Map(Object.entries(payload.memberAssignment)), payload.groupId);
    logger.info(
      {
        event: "group_joined",
        groupId: payload.groupId,
        memberId: payload.memberId,
        assignment: payload.memberAssignment,
      },
      "joined the consumer group; partitions assigned",
    );
  });
  on(events.REBALANCING, ({ payload }) => {
    handlers.rebalancing();
    logger.info(
      { event: "rebalancing", groupId: payload.groupId },
      "group is rebalancing; partitions revoked",
    );
  });
  on(events.HEARTBEAT, () => handlers.heartbeat());
  on(events.END_BATCH_PROCESS, ({ payload }) =>
    handlers.position(payload.topic, payload.partition, (BigInt(payload.lastOffset) + 1n).toString()),
  );
  on(events.COMMIT_OFFSETS, () => handlers.contact(true));
  on(events.FETCH, () => handlers.contact(false));
  on(events.DISCONNECT, () => {
    handlers.disconnected();
    logger.info({ event: "disconnected" }, "disconnected from Kafka");
  });
  on(events.STOP, () => logger.info({ event: "stopped" }, "consumer stopped"));
  on(events.CRASH, ({ payload }) => {
    const { error, restart } = payload;
    logger[restart ? "warn" : "error"](
      { event: "consumer_crash", error: error.message, errorName: error.name, restart },
      restart ? "consumer crashed; kafkajs restarts it" : "consumer crashed and will not restart",
    );
    handlers.crashed(error, restart);
  });
}
