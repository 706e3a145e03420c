#!/usr/bin/env node
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { collectDefaultMetrics, Registry } from "prom-client";
import { EventAggregator } from "./aggregate/event-aggregator.js";
import { parseCommandLine } from "./cli/command-line.js";
import { ConfigError } from "./config/config-error.js";
import { kafkaConnectionOf } from "./config/kafka-connection-config.js";
import { loadConfig, loadSettings, redactSecrets } from "./config/load-config.js";
import { type Config, SETTINGS } from "./config/settings.js";
import { DeadLetterProducer } from "./dead-letter/dead-letter-producer.js";
import type { EventKind } from "./decode/domain-event.js";
import { createMessageDecoder } from "./decode/message-decoder.js";
import { createHttpApp } from "./expose/http-app.js";
import { type HttpServer, startHttpServer } from "./expose/http-server.js";
import { createMetricsRenderer } from "./expose/metrics-exposition.js";
import { promClientFamilies } from "./expose/prom-client-families.js";
import type { ScrapeCredentials } from "./expose/scrape-auth.js";
import { statusSnapshot } from "./expose/status-snapshot.js";
import { createLogger, type Logger } from "./log/logger.js";
import { RateLimitedLog } from "./log/rate-limited-log.js";
import { createEventPipeline } from "./pipeline/event-pipeline.js";
import { produceCommand } from "./produce/produce-command.js";
import { PRODUCE_SETTINGS } from "./produce/produce-settings.js";
import { registerCommand } from "./registry/register-command.js";
import { REGISTER_SETTINGS } from "./registry/register-settings.js";
import { createRegistryClient } from "./registry/registry-client.js";
import { RegistrySchemas } from "./registry/registry-schemas.js";
import { RegistryMetrics } from "./self-metrics/registry-metrics.js";
import { SelfMetrics } from "./self-metrics/self-metrics.js";
import { registerCompressionCodecs } from "./source/compression-codecs.js";
import { createKafka } from "./source/kafka-connection.js";
import { KafkaSource } from "./source/kafka-source.js";
import { Backoff } from "./util/backoff.js";
import { VERSION } from "./version.js";

/** A started service: where it listens and how to stop it in order. */
export interface RunningAggregator {
  readonly httpPort: number;
  /** Stops consuming (the batch in flight finishes and commits), leaves the group, then closes HTTP. */
  stop(): Promise<void>;
}

/**
 * Wires the data path (Kafka source → decode → aggregate → expose) from a
 * validated configuration. HTTP starts first so `/healthz` answers and
 * `/readyz` says why the service is not ready yet while Kafka connects.
 */
export async function startAggregator(
  config: Config,
  logger: Logger,
  onFatal: (error: Error) => void = () => {},
  readFile: (path: string) => string = readTextFile,
): Promise<RunningAggregator> {
  const topics = [config.detectionTopic, config.llmTopic];
  const kinds = new Map<string, EventKind>([
    [config.detectionTopic, "detection"],
    [config.llmTopic, "llm"],
  ]);

  registerCompressionCodecs();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const selfMetrics = new SelfMetrics(registry, topics, VERSION);
  const aggregator = new EventAggregator({
    detectionBuckets: config.detectionBuckets,
    llmBuckets: config.llmBuckets,
    successRateWindowMs: config.successRateWindow,
    seriesLimit: config.seriesLimit,
  });
  const expiry =
    config.seriesTtl > 0
      ? setInterval(
          () => aggregator.expireIdle(config.seriesTtl),
          Math.min(config.seriesTtl / 4, 60_000),
        ).unref()
      : undefined;
  const schemas =
    config.schemaRegistryUrl === undefined
      ? undefined
      : new RegistrySchemas(
          createRegistryClient({
            url: config.schemaRegistryUrl,
            username: config.schemaRegistryUsername,
            password: config.schemaRegistryPassword,
            requestTimeoutMs: config.schemaRegistryTimeout,
          }),
          // a schema the registry could not serve is asked for again after 0.5 s, doubling to 30 s
          new Backoff(500, 30_000),
          new RegistryMetrics(registry),
        );
  const kafkaConnection = kafkaConnectionOf(config, readFile);
  const deadLetters =
    config.deadLetterTopic === undefined
      ? undefined
      : new DeadLetterProducer(
          createKafka(kafkaConnection, logger.child({ component: "dead-letter" })),
          config.deadLetterTopic,
          selfMetrics,
          logger.child({ component: "dead-letter" }),
        );
  const pipeline = createEventPipeline({
    kinds,
    decode: createMessageDecoder({
      maxEventBytes: config.maxEventBytes,
      maxLabelLength: config.labelMaxLength,
      schemas,
    }),
    schemas,
    deadLetters,
    aggregator,
    telemetry: selfMetrics,
    rejectLog: new RateLimitedLog(logger.child({ component: "pipeline" })),
  });
  const source = new KafkaSource(
    {
      ...kafkaConnection,
      groupId: config.groupId,
      topics,
      fromBeginning: config.fromBeginning,
      fetchMaxBytesPerPartition: config.fetchMaxBytesPerPartition,
      fetchMaxBytes: config.fetchMaxBytes,
      partitionsConcurrently: config.partitionsConcurrently,
      sessionTimeoutMs: config.sessionTimeout,
    },
    pipeline,
    selfMetrics,
    logger.child({ component: "source" }),
    onFatal,
  );

  const app = createHttpApp({
    credentials: scrapeCredentials(config),
    render: createMetricsRenderer(() => aggregator.families(), registry),
    readiness: [
      { name: "kafka", status: () => source.currentStatus() },
      ...(schemas ? [{ name: "schema_registry", status: () => schemas.currentStatus() }] : []),
      ...(deadLetters ? [{ name: "dead_letter", status: () => deadLetters.currentStatus() }] : []),
    ],
    status: async () =>
      statusSnapshot(
        aggregator.families(),
        await promClientFamilies(registry),
        source.currentStatus(),
        Date.now(),
      ),
  });
  const http: HttpServer = await startHttpServer(app, config.httpHost, config.httpPort);
  logger.info({ event: "http_listening", host: config.httpHost, port: http.port }, "serving /metrics");
  source.start();

  return {
    httpPort: http.port,
    async stop() {
      logger.info({ event: "shutdown", phase: "consumer" }, "stopping the consumer");
      await source.stop();
      await deadLetters?.close();
      clearInterval(expiry);
      logger.info({ event: "shutdown", phase: "http" }, "closing the HTTP server");
      await http.close();
      logger.info({ event: "shutdown", phase: "done" }, "stopped");
    },
  };
}

/** The credentials scrapers must present, if any were configured. */
function scrapeCredentials(config: Config): ScrapeCredentials | undefined {
  if (config.metricsBearerToken !== undefined) return { kind: "bearer", token: config.metricsBearerToken };
  if (config.metricsUsername !== undefined && config.metricsPassword !== undefined) {
    return { kind: "basic", username: config.metricsUsername, password: config.metricsPassword };
  }
  return undefined;
}

/**
 * Runs the service until SIGTERM or SIGINT, then shuts down in order within
 * `SHUTDOWN_TIMEOUT`. A user error (bad flag or setting) is one message and
 * exit code 2, never a stack trace. The only reader of `process.env`.
 */
export async function main(argv: readonly string[] = process.argv, env = process.env): Promise<void> {
  const commandLine = parseCommandLine(argv);
  if (commandLine.command === "exit") process.exit(commandLine.code);
  let config: Config;
  try {
    if (commandLine.command === "produce") {
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      process.once("SIGTERM", () => stop.abort());
      const produceConfig = loadSettings(PRODUCE_SETTINGS, commandLine.flags, env, readSecretFile);
      process.exit(await produceCommand(produceConfig, stop.signal, process.stdout, process.stderr));
    }
    if (commandLine.command === "register-schemas") {
      const registerConfig = loadSettings(REGISTER_SETTINGS, commandLine.flags, env, readSecretFile);
      process.exit(await registerCommand(registerConfig, process.stdout, process.stderr));
    }
    config = loadConfig(commandLine.flags, env, readSecretFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`metrics-aggregator: ${error.message}\n`);
    process.exit(2);
  }

  const logger = createLogger(config.logLevel);
  let running: RunningAggregator | undefined;
  let stopping = false;
  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: "shutdown", phase: "begin", reason }, "shutting down");
    setTimeout(() => {
      logger.error(
        { event: "shutdown", phase: "timeout", timeoutMs: config.shutdownTimeout },
        "shutdown timed out",
      );
      process.exit(1);
    }, config.shutdownTimeout).unref();
    try {
      await running?.stop();
    } catch (error) {
      logger.error({ event: "shutdown", phase: "error", error: (error as Error).message }, "shutdown failed");
      exitCode = 1;
    }
    logger.flush();
    process.exit(exitCode);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM", 0));
  process.once("SIGINT", () => void shutdown("SIGINT", 0));

  logger.info({ event: "starting", version: VERSION, config: redactSecrets(SETTINGS, config) }, "starting");
  try {
    running = await startAggregator(config, logger, (error) => void shutdown(`fatal: ${error.message}`, 1));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`metrics-aggregator: ${error.message}\n`);
    process.exit(2);
  }
}

const readTextFile = (path: string) => readFileSync(path, "utf8");
const readSecretFile = readTextFile;

function invokedDirectly(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  await main();
}
