import { Kafka, logLevel } from "kafkajs";
import type { SettingValues } from "../config/load-config.js";
import { formatProgress, runLoad } from "./load-generator.js";
import type { PRODUCE_SETTINGS } from "./produce-settings.js";

/** Validated settings of `metrics-aggregator produce`. */
export type ProduceConfig = SettingValues<typeof PRODUCE_SETTINGS>;

/**
 * `metrics-aggregator produce`: runs the load generator with a progress line
 * on stderr (rewritten in place on a terminal) and a summary on stdout.
 * Resolves with the exit code: 1 when any send failed.
 */
export async function produceCommand(
  config: ProduceConfig,
  signal: AbortSignal,
  stdout: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream,
): Promise<number> {
  const kafka = new Kafka({
    clientId: "metrics-aggregator-produce",
    brokers: [...config.brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
  const live = stderr.isTTY === true;
  let summary: Awaited<ReturnType<typeof runLoad>>;
  try {
    summary = await runLoad(
      kafka,
      { ...config, durationMs: config.duration },
      (progress) => stderr.write(live ? `\r${formatProgress(progress)}  ` : `${formatProgress(progress)}\n`),
      signal,
    );
  } catch (error) {
    stderr.write(
      `metrics-aggregator produce: cannot produce to ${config.brokers.join(",")}: ${(error as Error).message}\n`,
    );
    return 1;
  }
  if (live) stderr.write("\n");
  stdout.write(
    `${JSON.stringify({
      sent: summary.sent,
      invalid: summary.invalid,
      errors: summary.errors,
      seconds: Number((summary.elapsedMs / 1000).toFixed(1)),
      eventsPerSecond: Math.round(summary.rate),
      lastError: summary.lastError,
    })}\n`,
  );
  return summary.errors === 0 ? 0 : 1;
}
