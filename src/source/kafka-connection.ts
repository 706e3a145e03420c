import { Kafka } from "kafkajs";
import type { Logger } from "pino";
import { kafkaLogCreator, kafkaLogLevel } from "./kafka-log-creator.js";

/** How to reach the brokers: shared by the consumer and the dead-letter producer. */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logLevel: string;
}

/** A kafkajs client whose logs go to the service's JSON log. */
export function createKafka(connection: KafkaConnection, logger: Logger): Kafka {
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    logLevel: kafkaLogLevel(connection.logLevel),
    logCreator: kafkaLogCreator(logger),
    retry: { initialRetryTime: 300, retries: 10 },
  });
}
