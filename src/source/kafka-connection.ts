import { Kafka, type RetryOptions, type SASLOptions } from "kafkajs";
import type { Logger } from "pino";
import { kafkaLogCreator, kafkaLogLevel } from "./kafka-log-creator.js";

/** How to reach the brokers: shared by the consumer and the dead-letter producer. */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logLevel: string;
  readonly sasl?: {
    readonly mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
    readonly username: string;
    readonly password: string;
  };
  /** TLS to the brokers; `ca` replaces the system's CAs when given. */
  readonly tls?: { readonly ca?: readonly string[] };
}

/**
 * A kafkajs client whose logs go to the service's JSON log, retrying a
 * request as `retry` says (by default for about two minutes). `onBrokerError`
 * hears every error a broker answered: kafkajs keeps some of them to itself
 * (it reports a refused coordinator lookup only as "Failed to find group
 * coordinator"), and the operator needs the real one.
 */
export function createKafka(
  connection: KafkaConnection,
  logger: Logger,
  onBrokerError?: (message: string) => void,
  retry: RetryOptions = { initialRetryTime: 300, retries: 10 },
): Kafka {
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    logLevel: kafkaLogLevel(connection.logLevel),
    logCreator: kafkaLogCreator(logger, onBrokerError),
    retry,
    ...(connection.tls
      ? { ssl: connection.tls.ca ? { ca: [...connection.tls.ca], rejectUnauthorized: true } : true }
      : {}),
    ...(connection.sasl ? { sasl: { ...connection.sasl } as SASLOptions } : {}),
  });
}
