import { type logCreator, logLevel } from "kafkajs";
import type { Logger } from "pino";
import { type LineLevel, RateLimitedLog } from "../log/rate-limited-log.js";

const LEVELS: Record<number, LineLevel> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/**
 * Broker answers that are part of normal operation and that the client
 * retries by itself: a coordinator still loading or moving (every new group
 * and transactional id meets these on a fresh broker), a rebalance, a leader
 * election. kafkajs logs each at ERROR; they are worth a debug line. A
 * problem that lasts shows where it matters: `/readyz` and the service's own
 * lines.
 */
const TRANSIENT =
  /coordinator is not available|not the correct coordinator|coordinator is loading|group is rebalancing|no leader for this topic-partition|not the leader for that topic-partition|concurrent operation on the same transaction/i;

/**
 * kafkajs's note that it restarts a crashed consumer: the service's own
 * `consumer_crash` line says it, with the cause, at warn (error only when
 * kafkajs gives up).
 */
const RESTARTING = /^Restarting the consumer/;

/** One line per distinct kafkajs message per this interval: retries repeat themselves. */
const REPEAT_INTERVAL_MS = 30_000;

/**
 * Routes kafkajs's namespaced logs into the service's JSON log: without stack
 * traces (a broker's answer is not a bug in this code), transient broker
 * answers at debug, and each distinct message at most once per 30 s with a
 * count of the repeats. Broker error answers also go to `onBrokerError`.
 */
export function kafkaLogCreator(logger: Logger, onBrokerError?: (message: string) => void): logCreator {
  const lines = new RateLimitedLog(logger, REPEAT_INTERVAL_MS);
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, stack: _stack, ...extra } = log;
      const error = typeof extra.error === "string" ? extra.error : undefined;
      if (onBrokerError && namespace === "Connection" && error !== undefined) onBrokerError(error);
      let lineLevel = LEVELS[level] ?? "info";
      if (
        (lineLevel === "error" || lineLevel === "warn") &&
        (TRANSIENT.test(`${message} ${error ?? ""}`) || RESTARTING.test(message))
      )
        lineLevel = "debug";
      if (lineLevel === "debug" && !logger.isLevelEnabled("debug")) return;
      lines.write(
        lineLevel,
        `${namespace}\u0000${message}\u0000${error ?? ""}`,
        { kafkajs: namespace, ...extra },
        message,
      );
    };
}

/** kafkajs is chatty at INFO; below our debug level only its warnings are worth a line. */
export function kafkaLogLevel(serviceLevel: string): logLevel {
  if (serviceLevel === "debug" || serviceLevel === "trace") return logLevel.INFO;
  if (serviceLevel === "silent") return logLevel.NOTHING;
  return logLevel.WARN;
}
