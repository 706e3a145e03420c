import { Kafka, logLevel } from "kafkajs";
import type { SettingValues } from "../config/load-config.js";
import { createRegistryClient } from "../registry/registry-client.js";
import { FramedEventEncoder, registerSchemaFiles } from "../registry/schema-publisher.js";
import { formatProgress, type PayloadEncoder, runLoad } from "./load-generator.js";
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
  let encode: PayloadEncoder | undefined;
  if (config.encoding !== "json") {
    if (config.schemaRegistryUrl === undefined) {
      stderr.write(
        `metrics-aggregator produce: --encoding ${config.encoding} needs SCHEMA_REGISTRY_URL (--schema-registry-url)\n`,
      );
      return 2;
    }
    try {
      encode = await framedEncoder(config, config.encoding, config.schemaRegistryUrl);
    } catch (error) {
      stderr.write(
        `metrics-aggregator produce: cannot register schemas in ${config.schemaRegistryUrl}: ${(error as Error).message}\n`,
      );
      return 1;
    }
  }
  let summary: Awaited<ReturnType<typeof runLoad>>;
  try {
    summary = await runLoad(
      kafka,
      { ...config, durationMs: config.duration, encode },
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

/**
 * Registers `schemas/` and frames every valid event with its kind's newest
 * schema; invalid events stay as they are (they could not be encoded, and
 * the aggregator must still see and reject them).
 */
async function framedEncoder(
  config: ProduceConfig,
  encoding: "avro" | "json-schema",
  url: string,
): Promise<PayloadEncoder> {
  const client = createRegistryClient({
    url,
    username: config.schemaRegistryUsername,
    password: config.schemaRegistryPassword,
    requestTimeoutMs: 10_000,
  });
  const registered = await registerSchemaFiles(client, {
    detection: config.detectionTopic,
    llm: config.llmTopic,
  });
  const encoder = new FramedEventEncoder(client, registered);
  return (event) =>
    event.valid ? encoder.encode(event.kind, encoding, JSON.parse(event.value)) : event.value;
}
