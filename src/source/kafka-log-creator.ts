import { type logCreator, logLevel } from "kafkajs";
import type { Logger } from "pino";

const LEVELS: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/** Routes kafkajs's namespaced logs into the service's JSON log; broker error answers also go to `onBrokerError`. */
export function kafkaLogCreator(logger: Logger, onBrokerError?: (message: string) => void): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
      if (onBrokerError && namespace === "Connection" && typeof extra.error === "string")
        onBrokerError(extra.error);
      logger[LEVELS[level] ?? "info"]({ kafkajs: namespace, ...extra }, message);
    };
}

/** kafkajs is chatty at INFO; below our debug level only its warnings are worth a line. */
export function kafkaLogLevel(serviceLevel: string): logLevel {
  if (serviceLevel === "debug" || serviceLevel === "trace") return logLevel.INFO;
  if (serviceLevel === "silent") return logLevel.NOTHING;
  return logLevel.WARN;
}
