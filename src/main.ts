#!/usr/bin/env node
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { collectDefaultMetrics, Registry } from "prom-client";
import { eventFamilies } from "./aggregate/event-families.js";
import { CatalogueError } from "./catalogue/catalogue-error.js";
import { catalogueSettings } from "./catalogue/catalogue-settings.js";
import { checkConfigCommand } from "./catalogue/check-config-command.js";
import { compileCatalogue } from "./catalogue/compile-catalogue.js";
import { loadCatalogue } from "./catalogue/load-catalogue.js";
import { parseCommandLine } from "./cli/command-line.js";
import { ConfigError } from "./config/config-error.js";
import { kafkaConnectionOf } from "./config/kafka-connection-config.js";
import { loadConfig, loadSettings, redactSecrets } from "./config/load-config.js";
import { CATALOGUE_SETTINGS, type Config, SETTINGS } from "./config/settings.js";
import { DeadLetterProducer } from "./dead-letter/dead-letter-producer.js";
import { createMessageDecoder } from "./decode/message-decoder.js";
import { EventExposition } from "./expose/event-exposition.js";
import type { ReadinessCheck } from "./expose/health-routes.js";
import { createHttpApp } from "./expose/http-app.js";
import { type HttpServer, startHttpServer } from "./expose/http-server.js";
import { createMetricsRenderer } from "./expose/metrics-exposition.js";
import type { ScrapeCredentials } from "./expose/scrape-auth.js";
import { statusSnapshot } from "./expose/status-snapshot.js";
import { StatusTrend } from "./expose/status-trend.js";
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
import { copartitionedAssigner } from "./source/copartitioned-assigner.js";
import { GroupConsumer } from "./source/group-consumer.js";
import { createKafka } from "./source/kafka-connection.js";
import { prepareChangelogs } from "./state/changelog-setup.js";
import { changelogTopicName } from "./state/changelog-topics.js";
import { DurableStore } from "./state/durable-store.js";
import { RecentBrokerErrors } from "./state/kafka-errors.js";
import { MemoryStore } from "./state/memory-store.js";
import type { ConsumerControl } from "./state/partition-task.js";
import { type Membership, PartitionTasks } from "./state/partition-tasks.js";
import type { StateStore } from "./state/state-store.js";
import { dependencyBackoff } from "./util/backoff.js";
import { type ComponentStatus, notReady, ready } from "./util/component-status.js";
import { VERSION } from "./version.js";

/** A started service: where it listens and how to stop it in order. */
export interface RunningAggregator {
  readonly httpPort: number;
  /** Stops consuming, commits every partition's state, leaves the group, then closes HTTP. */
  stop(): Promise<void>;
}

/**
 * Wires the data path (Kafka source → decode → aggregate/state → expose)
 * from a validated configuration. HTTP starts first so `/healthz` answers
 * and `/readyz` says why the service is not ready yet while the changelogs
 * are prepared and Kafka connects.
 */
export async function startAggregator(
  config: Config,
  logger: Logger,
  onFatal: (error: Error) => void = () => {},
  readFile: (path: string) => string = readTextFile,
): Promise<RunningAggregator> {
  const catalogue = loadCatalogue(catalogueSettings(config));
  const { models, contracts, streams } = compileCatalogue(catalogue);
  logger.info(
    {
      event: "catalogue",
      files: catalogue.files,
      streams: catalogue.streams.map((s) => ({ stream: s.name, topic: s.topic, metrics: s.metrics.length })),
    },
    "metric catalogue loaded",
  );
  const topics = [...streams.keys()];
  const durable = config.stateMode === "durable";
  /** Publishes of state so far: what `/metrics` and the status page read changes only with them. */
  let publishes = 0;

  registerCompressionCodecs();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let tasks: PartitionTasks | undefined;
  const selfMetrics = new SelfMetrics(registry, topics, VERSION, () => tasks);
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
          dependencyBackoff(),
          new RegistryMetrics(registry),
        );
  const kafkaConnection = kafkaConnectionOf(config, readFile);
  // Durable mode writes rejects in each partition's commit transaction; memory mode has its own producer.
  const deadLetters =
    config.deadLetterTopic === undefined || durable
      ? undefined
      : new DeadLetterProducer(
          createKafka(kafkaConnection, logger.child({ component: "dead-letter" })),
          config.deadLetterTopic,
          selfMetrics,
          logger.child({ component: "dead-letter" }),
        );
  const pipeline = createEventPipeline({
    streams,
    decode: createMessageDecoder(
      { maxEventBytes: config.maxEventBytes, maxLabelLength: config.labelMaxLength, schemas },
      contracts,
    ),
    schemas,
    telemetry: selfMetrics,
    rejectLog: new RateLimitedLog(logger.child({ component: "pipeline" })),
  });

  const changelogOf = new Map(
    durable ? topics.map((t) => [t, changelogTopicName(config.stateChangelogTopic, config.groupId, t)]) : [],
  );
  const stateLogger = logger.child({ component: "state" });
  const brokerErrors = new RecentBrokerErrors();
  const stateKafka = createKafka(kafkaConnection, stateLogger, (message) => brokerErrors.note(message));
  const admin = durable ? stateKafka.admin() : undefined;
  // The consumer and the partition lifecycle call each other; the lifecycle reaches the consumer through these.
  let consumer: GroupConsumer | undefined;
  const control: ConsumerControl = {
    pause: (topic, partition, reason) => consumer?.pause(topic, partition, reason),
    resume: (topic, partition, reason) => consumer?.resume(topic, partition, reason),
    seek: (topic, partition, offset) => consumer?.seek(topic, partition, offset),
  };
  const membership: Membership = {
    leaseValid: () => consumer?.leaseValid() ?? false,
    get membershipProvenAt() {
      return consumer?.membershipProvenAt ?? Number.NEGATIVE_INFINITY;
    },
  };
  const store: StateStore =
    admin === undefined
      ? new MemoryStore(models, config.seriesLimit)
      : new DurableStore(
          stateKafka,
          admin,
          control,
          models,
          {
            groupId: config.groupId,
            fromBeginning: config.fromBeginning,
            seriesLimit: config.seriesLimit,
            transactionTimeoutMs: TRANSACTION_TIMEOUT_MS,
            deadLetterTemplate: config.deadLetterTopic,
          },
          selfMetrics,
        );
  const partitionTasks = new PartitionTasks(
    {
      groupId: config.groupId,
      streams,
      changelogOf,
      commitIntervalMs: durable ? config.stateCommitInterval : MEMORY_PUBLISH_INTERVAL_MS,
      seriesTtlMs: config.seriesTtl,
      afterPublish: () => {
        publishes++;
        return exposition.refresh();
      },
    },
    store,
    control,
    membership,
    pipeline,
    { deadLetters, outbox: durable && config.deadLetterTopic !== undefined },
    selfMetrics,
    stateLogger,
    brokerErrors,
  );
  tasks = partitionTasks;
  const groupConsumer = new GroupConsumer(
    {
      ...kafkaConnection,
      groupId: config.groupId,
      topics,
      stateTopics: [...changelogOf.values()],
      fromBeginning: config.fromBeginning,
      fetchMaxBytesPerPartition: config.fetchMaxBytesPerPartition,
      fetchMaxBytes: config.fetchMaxBytes,
      partitionsConcurrently: config.partitionsConcurrently,
      sessionTimeoutMs: config.sessionTimeout,
      autoCommit: !durable,
      assigner: durable
        ? copartitionedAssigner({ changelogOf, owned: () => partitionTasks.owned() })
        : undefined,
    },
    partitionTasks,
    partitionTasks,
    selfMetrics,
    logger.child({ component: "source" }),
    onFatal,
  );
  consumer = groupConsumer;

  const families = eventFamilies([...models.values()], (stream) => partitionTasks.shownStates(stream));
  const exposition = new EventExposition(() => families.all);

  const readiness: ReadinessCheck[] = [
    { name: "kafka", status: () => groupConsumer.currentStatus() },
    { name: "state", status: () => partitionTasks.status() },
    ...(schemas ? [{ name: "schema_registry", status: () => schemas.currentStatus() }] : []),
    ...(deadLetters ? [{ name: "dead_letter", status: () => deadLetters.currentStatus() }] : []),
  ];
  const trend = new StatusTrend(
    catalogue.status,
    families,
    () => selfMetrics.statusCounts(),
    () => publishes,
  );
  const app = createHttpApp({
    credentials: scrapeCredentials(config),
    render: createMetricsRenderer(exposition, registry),
    readiness,
    status: async () =>
      statusSnapshot(
        catalogue.status,
        families,
        await selfMetrics.statusCounts(),
        await trend.current(),
        overallStatus(readiness),
        Date.now(),
      ),
  });
  const http: HttpServer = await startHttpServer(app, config.httpHost, config.httpPort);
  logger.info({ event: "http_listening", host: config.httpHost, port: http.port }, "serving /metrics");

  partitionTasks.start();
  trend.start();
  const stopping = new AbortController();
  if (admin !== undefined) groupConsumer.waitFor("waiting for the state changelogs (see state)");
  const started =
    admin === undefined
      ? Promise.resolve(true)
      : prepareChangelogs(
          admin,
          [...changelogOf].map(([input, changelog]) => ({ input, changelog })),
          config.stateChangelogReplication,
          (problem) => partitionTasks.setSetupProblem(problem),
          stateLogger,
          stopping.signal,
        );
  const consuming = started.then((ok) => {
    if (ok) groupConsumer.start();
  });

  return {
    httpPort: http.port,
    async stop() {
      logger.info({ event: "shutdown", phase: "consumer" }, "stopping the consumer");
      stopping.abort();
      await consuming;
      await groupConsumer.stop(() => partitionTasks.flush());
      await partitionTasks.close();
      await admin?.disconnect();
      await deadLetters?.close();
      logger.info({ event: "shutdown", phase: "http" }, "closing the HTTP server");
      await http.close();
      trend.stop();
      logger.info({ event: "shutdown", phase: "done" }, "stopped");
    },
  };
}

/**
 * How often memory mode shows what was applied: often enough that `/metrics`
 * lags by well under a quarter of a second (the publish and the text made
 * after it cost what changed, not what exists), seldom enough that a label
 * set's text is made once for many of its events.
 */
const MEMORY_PUBLISH_INTERVAL_MS = 50;

/** Broker-side limit of one transaction; commits take milliseconds, so only a stuck one gets near it. */
const TRANSACTION_TIMEOUT_MS = 60_000;

/** Ready when every check is; else the first reason. */
function overallStatus(checks: readonly ReadinessCheck[]): ComponentStatus {
  const failing = checks.map((check) => ({ name: check.name, ...check.status() })).find((s) => !s.ready);
  return failing ? notReady(`${failing.name}: ${failing.detail}`) : ready("ready");
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
  routeProcessWarnings((warning) =>
    process.stderr.write(`metrics-aggregator: ${warning.name}: ${warning.message}\n`),
  );
  let config: Config;
  try {
    if (commandLine.command === "produce") {
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      process.once("SIGTERM", () => stop.abort());
      const produceConfig = loadSettings(PRODUCE_SETTINGS, commandLine.flags, env, readSecretFile);
      process.exit(await produceCommand(produceConfig, stop.signal, process.stdout, process.stderr));
    }
    if (commandLine.command === "check-config") {
      const values = loadSettings(CATALOGUE_SETTINGS, commandLine.flags, env, readSecretFile);
      const file = commandLine.file ?? values.metricsConfig;
      process.exit(
        checkConfigCommand(
          catalogueSettings({ ...values, metricsConfig: file }),
          process.stdout,
          process.stderr,
        ),
      );
    }
    if (commandLine.command === "register-schemas") {
      const registerConfig = loadSettings(REGISTER_SETTINGS, commandLine.flags, env, readSecretFile);
      process.exit(await registerCommand(registerConfig, process.stdout, process.stderr));
    }
    config = loadConfig(commandLine.flags, env, readSecretFile);
  } catch (error) {
    if (!isUserError(error)) throw error;
    process.stderr.write(`metrics-aggregator: ${(error as Error).message}\n`);
    process.exit(2);
  }

  const logger = createLogger(config.logLevel);
  routeProcessWarnings((warning) =>
    logger.warn(
      { event: "process_warning", warning: warning.name, detail: warning.message },
      "process warning",
    ),
  );
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
    if (!isUserError(error)) throw error;
    process.stderr.write(`metrics-aggregator: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

/** A bad setting or catalogue: one message and exit code 2, never a stack trace. */
function isUserError(error: unknown): boolean {
  return error instanceof ConfigError || error instanceof CatalogueError;
}

/**
 * Process warnings go where the command writes: the JSON log for the service,
 * one line on stderr for the tools. kafkajs 2.2.4 arms a timer with
 * `throttledUntil - now` before any throttling (-1 - now): Node.js 24 warns
 * about the negative delay and, as older versions did silently, waits 1 ms;
 * that one is dropped.
 */
function routeProcessWarnings(write: (warning: Error) => void): void {
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (warning.name !== "TimeoutNegativeWarning") write(warning);
  });
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
