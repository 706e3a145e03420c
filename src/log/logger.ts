import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * JSON lines on stdout, one per lifecycle event; `component` names the part
 * that speaks. Written synchronously: the service logs little, and the last
 * lines before a crash (SIGKILL, OOM) are the ones an operator needs.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: "metrics-aggregator" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}
