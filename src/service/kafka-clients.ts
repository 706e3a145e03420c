import type { Admin, Kafka } from "kafkajs";
import type { Logger } from "pino";
import { kafkaConnectionOf } from "../config/kafka-connection-config.js";
import type { Config } from "../config/settings.js";
import type { PartitionOffsets } from "../self-metrics/shown-lag.js";
import { createKafka, type KafkaConnection } from "../source/kafka-connection.js";
import { RecentBrokerErrors } from "../state/kafka-errors.js";

/** Retries of the setup's requests: an unreachable broker is reported within seconds, then retried with backoff. */
const SETUP_RETRY = { retries: 2, initialRetryTime: 300, maxRetryTime: 1_000 };

/** How the service reaches Kafka, and the clients more than one part shares. */
export interface KafkaClients {
  readonly connection: KafkaConnection;
  /** A new client; `heard`, when given, hears what its brokers answer. */
  kafka(logger: Logger, heard?: RecentBrokerErrors): Kafka;
  /** The set-up's admin: it gives up on an unreachable broker within seconds (the set-up retries, and says why). */
  readonly setupAdmin: Admin;
  /** The state's admin (changelogs, offsets), made on first use; its broker answers go to `stateErrors`. */
  stateAdmin(): Admin;
  readonly stateErrors: RecentBrokerErrors;
}

/** The connection settings (the TLS CA file read now), and the shared admin clients. */
export function kafkaClients(
  config: Config,
  logger: Logger,
  readFile: (path: string) => string,
): KafkaClients {
  const connection = kafkaConnectionOf(config, readFile);
  const kafka = (clientLogger: Logger, heard?: RecentBrokerErrors) =>
    createKafka(connection, clientLogger, heard && ((message) => heard.note(message)));
  const stateErrors = new RecentBrokerErrors();
  let stateAdmin: Admin | undefined;
  return {
    connection,
    kafka,
    setupAdmin: createKafka(connection, logger.child({ component: "setup" }), undefined, SETUP_RETRY).admin(),
    stateAdmin: () => {
      stateAdmin ??= kafka(logger.child({ component: "state" }), stateErrors).admin();
      return stateAdmin;
    },
    stateErrors,
  };
}

/** A topic's `max.message.bytes` as the brokers have it (its own, or the brokers' default). */
export async function maxMessageBytes(admin: Admin, topic: string): Promise<number | undefined> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    // 2 is a topic (kafkajs's ConfigResourceTypes.TOPIC, which Node's ESM import of it cannot name)
    resources: [{ type: 2, name: topic, configNames: ["max.message.bytes"] }],
  });
  const value = resources[0]?.configEntries.find(
    (entry) => entry.configName === "max.message.bytes",
  )?.configValue;
  return value === undefined ? undefined : Number(value);
}

/** Where each partition of a topic starts and ends, and where the group committed: the lag's readings. */
export function partitionOffsets(admin: Admin, groupId: string): PartitionOffsets {
  return {
    bounds: async (topic) => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p])),
    committed: async (topic) => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
    },
  };
}
