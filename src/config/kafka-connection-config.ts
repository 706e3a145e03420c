import type { KafkaConnection } from "../source/kafka-connection.js";
import { ConfigError } from "./config-error.js";
import type { ReadSecretFile } from "./load-config.js";
import { type Config, SETTINGS } from "./settings.js";

/**
 * How to reach the brokers, from the configuration: SASL credentials and
 * TLS with the CA file read now, so an unreadable file stops the start with
 * a message naming the setting rather than failing at the first connection.
 */
export function kafkaConnectionOf(config: Config, readFile: ReadSecretFile): KafkaConnection {
  let ca: string[] | undefined;
  if (config.tls && config.tlsCaFile !== undefined) {
    try {
      ca = [readFile(config.tlsCaFile)];
    } catch (error) {
      const spec = SETTINGS.tlsCaFile;
      throw new ConfigError([
        {
          env: spec.env,
          flag: spec.flag,
          expected: `${spec.expected} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`,
          got: config.tlsCaFile,
        },
      ]);
    }
  }
  return {
    brokers: config.brokers,
    clientId: config.clientId,
    logLevel: config.logLevel,
    ...(config.saslMechanism && config.saslUsername !== undefined && config.saslPassword !== undefined
      ? {
          sasl: {
            mechanism: config.saslMechanism,
            username: config.saslUsername,
            password: config.saslPassword,
          },
        }
      : {}),
    ...(config.tls ? { tls: ca ? { ca } : {} } : {}),
  };
}
