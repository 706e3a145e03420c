import { readFileSync } from "node:fs";
import { type Admin, PartitionAssigners } from "kafkajs";
import { collectDefaultMetrics, Registry } from "prom-client";
import { eventFamilies } from "../aggregate/event-families.js";
import { catalogueSettings } from "../catalogue/catalogue-settings.js";
import { compileCatalogue } from "../catalogue/compile-catalogue.js";
import { type Catalogue, loadCatalogue } from "../catalogue/load-catalogue.js";
import { ConfigError } from "../config/config-error.js";
import { kafkaConnectionOf } from "../config/kafka-connection-config.js";
import { type Config, SETTINGS } from "../config/settings.js";
import { DeadLetterLimits } from "../dead-letter/dead-letter-limits.js";
import { DeadLetterProducer } from "../dead-letter/dead-letter-producer.js";
import { createMessageDecoder } from "../decode/message-decoder.js";
import { EventExposition } from "../expose/event-exposition.js";
import type { ReadinessCheck } from "../expose/health-routes.js";
import { createHttpApp } from "../expose/http-app.js";
import { type HttpServer, startHttpServer } from "../expose/http-server.js";
import { createMetricsRenderer } from "../expose/metrics-exposition.js";
import type { ScrapeCredentials } from "../expose/scrape-auth.js";
import { statusSnapshot } from "../expose/status-snapshot.js";
import { StatusTrend } from "../expose/status-trend.js";
import type { Logger } from "../log/logger.js";
import { RateLimitedLog } from "../log/rate-limited-log.js";
import { createEventPipeline } from "../pipeline/event-pipeline.js";
import { createRegistryClient } from "../registry/registry-client.js";
import { RegistrySchemas } from "../registry/registry-schemas.js";
import { RegistryMetrics } from "../self-metrics/registry-metrics.js";
import { SelfMetrics, type StatePositions } from "../self-metrics/self-metrics.js";
import { ShownLag } from "../self-metrics/shown-lag.js";
import { registerCompressionCodecs } from "../source/compression-codecs.js";
import { copartitionedAssigner } from "../source/copartitioned-assigner.js";
import { EventTopics } from "../source/event-topics.js";
import { GroupConsumer, type SourceTelemetry } from "../source/group-consumer.js";
import { createKafka } from "../source/kafka-connection.js";
import { changelogTopicName, ensureChangelogTopics } from "../state/changelog-topics.js";
import { DurableStore } from "../state/durable-store.js";
import { errorType, RecentBrokerErrors } from "../state/kafka-errors.js";
import { MemoryStore } from "../state/memory-store.js";
import type { ConsumerControl } from "../state/partition-task.js";
import { type Membership, PartitionTasks } from "../state/partition-tasks.js";
import type { StateStore } from "../state/state-store.js";
import { dependencyBackoff } from "../util/backoff.js";
import { type ComponentStatus, notReady, ready } from "../util/component-status.js";
import { VERSION } from "../version.js";
import { runKafkaSetup } from "./kafka-setup.js";

/** What {@link startAggregator} may be given besides the configuration. */
export interface StartOptions {
  /** The catalogue, when the caller checked it already (else it is loaded here). */
  readonly catalogue?: Catalogue;
  /** Reads the files settings name (TLS CAs); the real file system by default. */
  readonly readFile?: (path: string) => string;
  /** Called when the service cannot go on (the consumer crashed for good): the process must exit. */
  readonly onFatal?: (error: Error) => void;
}

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
  options: StartOptions = {},
): Promise<RunningAggregator> {
  const catalogue = options.catalogue ?? loadCatalogue(catalogueSettings(config));
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, "utf8"));
  const onFatal = options.onFatal ?? (() => {});
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
  let tasks: StatePositions | undefined;
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
  // The setup's own admin gives up on an unreachable broker within seconds: the setup retries, and says why.
  const setupAdmin = createKafka(
    kafkaConnection,
    logger.child({ component: "setup" }),
    undefined,
    SETUP_RETRY,
  ).admin();
  const deadLetterLimits = new DeadLetterLimits((topic) => maxMessageBytes(setupAdmin, topic));
  // Durable mode writes rejects in each partition's commit transaction; memory mode has its own producer.
  const deadLetters =
    config.deadLetterTopic === undefined || durable
      ? undefined
      : new DeadLetterProducer(
          createKafka(kafkaConnection, logger.child({ component: "dead-letter" })),
          config.deadLetterTopic,
          deadLetterLimits,
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
          (errors) => createKafka(kafkaConnection, stateLogger, (message) => errors.note(message)),
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
          deadLetterLimits,
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
  const lag = new ShownLag((topic, partition) => partitionTasks.shownOffset(topic, partition), {
    bounds: async (topic) =>
      new Map((await setupAdmin.fetchTopicOffsets(topic)).map((p) => [p.partition, p])),
    committed: async (topic) => {
      const [offsets] = await setupAdmin.fetchOffsets({ groupId: config.groupId, topics: [topic] });
      return new Map((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
    },
  });
  tasks = { ...positionsOf(partitionTasks), lags: () => lag.lags() };
  const sourceTelemetry: SourceTelemetry = {
    recordHighWatermark: (topic, partition, high) => lag.noteHighWatermark(topic, partition, high),
    recordGroupJoin: (assigned) => {
      lag.setAssigned(assigned);
      selfMetrics.recordGroupJoin(assigned);
    },
    recordCommit: (atMs) => selfMetrics.recordCommit(atMs),
    recordReady: (ready) => selfMetrics.recordReady(ready),
    recordPaused: (partitions) => selfMetrics.recordPaused(partitions),
  };
  const assigner = copartitionedAssigner({
    inputs: topics,
    changelogOf,
    owned: () => partitionTasks.owned(),
  });
  const groupConsumer = new GroupConsumer(
    {
      ...kafkaConnection,
      groupId: config.groupId,
      fromBeginning: config.fromBeginning,
      fetchMaxBytesPerPartition: config.fetchMaxBytesPerPartition,
      fetchMaxBytes: config.fetchMaxBytes,
      partitionsConcurrently: config.partitionsConcurrently,
      sessionTimeoutMs: config.sessionTimeout,
      autoCommit: !durable,
      // Memory mode also offers kafkajs's round robin: a group of replicas of an earlier release agrees on it.
      assigners: durable ? [assigner] : [assigner, PartitionAssigners.roundRobin],
    },
    partitionTasks,
    partitionTasks,
    sourceTelemetry,
    logger.child({ component: "source" }),
    (error) => onFatal(refusedSetting(error, config) ?? error),
  );
  consumer = groupConsumer;

  const families = eventFamilies([...models.values()], (stream) => partitionTasks.shownStates(stream));
  const exposition = new EventExposition(() => families.all);

  const eventTopics = new EventTopics(streams, selfMetrics);
  let connectionProblem: string | undefined = "connecting";
  const readiness: ReadinessCheck[] = [
    {
      name: "kafka",
      status: () => (connectionProblem ? notReady(connectionProblem) : groupConsumer.currentStatus()),
    },
    { name: "topics", status: () => eventTopics.status() },
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
  const http: HttpServer = await startHttpServer(app, config.httpHost, config.httpPort).catch((error) => {
    throw portProblem(error, config) ?? error;
  });
  logger.info({ event: "http_listening", host: config.httpHost, port: http.port }, "serving /metrics");

  partitionTasks.start();
  trend.start();
  const lagTimer = setInterval(() => void lag.refresh().catch(() => {}), LAG_REFRESH_MS).unref();
  const stopping = new AbortController();
  const setup = runKafkaSetup({
    admin: setupAdmin,
    brokers: config.brokers,
    topics: eventTopics,
    ...(admin
      ? {
          prepareState: (inputs: readonly string[]) =>
            ensureChangelogTopics(
              admin,
              inputs.map((input) => ({ input, changelog: changelogOf.get(input) as string })),
              config.stateChangelogReplication,
            ),
        }
      : {}),
    consume: (inputs) =>
      groupConsumer.subscribe(
        { topics: inputs, stateTopics: inputs.flatMap((input) => changelogOf.get(input) ?? []) },
        () => partitionTasks.commitAll(),
      ),
    reportConnection: (problem) => {
      connectionProblem = problem;
    },
    reportState: (problem) => partitionTasks.setSetupProblem(problem),
    logger: logger.child({ component: "setup" }),
    signal: stopping.signal,
    pollIntervalMs: config.topicCheckInterval,
  });

  return {
    httpPort: http.port,
    async stop() {
      logger.info({ event: "shutdown", phase: "consumer" }, "stopping the consumer");
      stopping.abort();
      clearInterval(lagTimer);
      await setup;
      // The last commits get two thirds of SHUTDOWN_TIMEOUT: a partition that cannot commit (a broker
      // gone, a dead-letter topic missing) is left uncommitted, and its next owner reads it again.
      const budget = (config.shutdownTimeout * 2) / 3;
      await groupConsumer.stop(async () => {
        if (!(await settlesWithin(partitionTasks.flush(), budget))) {
          logger.warn(
            { event: "shutdown", phase: "commit_timeout", budgetMs: budget },
            "the last commits did not finish in time; their partitions are read again by their next owner",
          );
        }
      });
      await settlesWithin(partitionTasks.close(), config.shutdownTimeout / 6);
      await settlesWithin(
        Promise.all([admin?.disconnect(), setupAdmin.disconnect(), deadLetters?.close()]),
        config.shutdownTimeout / 6,
      );
      logger.info({ event: "shutdown", phase: "http" }, "closing the HTTP server");
      await http.close();
      trend.stop();
      logger.info({ event: "shutdown", phase: "done" }, "stopped");
    },
  };
}

/** Whether `work` settled within `ms` (it goes on regardless; the caller stops waiting for it). */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Retries of the setup's requests: an unreachable broker is reported within seconds, then retried with backoff. */
const SETUP_RETRY = { retries: 2, initialRetryTime: 300, maxRetryTime: 1_000 };

/** How often the brokers are asked where the assigned partitions end, for the lag of idle or stuck ones. */
const LAG_REFRESH_MS = 5_000;

/** The part of the lifecycle the self metrics read. */
function positionsOf(tasks: PartitionTasks): Omit<StatePositions, "lags"> {
  return { positions: () => tasks.positions(), restoring: () => tasks.restoring() };
}

/** A topic's `max.message.bytes` as the brokers have it (its own, or the brokers' default). */
async function maxMessageBytes(admin: Admin, topic: string): Promise<number | undefined> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    // 2 is a topic (kafkajs's ConfigResourceTypes.TOPIC, which Node's ESM import of it cannot name)
    resources: [{ type: 2, name: topic, configNames: ["max.message.bytes"] }],
  });
  const value = resources[0]?.configEntries.find(
    (entry) => entry.configName === "max.message.bytes",
  )?.configValue;
  return value === undefined ? undefined : Number(value);
}

/** A setting the brokers refused, as the user error it is (exit code 2, one line naming it). */
function refusedSetting(error: Error, config: Config): ConfigError | undefined {
  if (errorType(error) !== "INVALID_SESSION_TIMEOUT") return undefined;
  const spec = SETTINGS.sessionTimeout;
  return new ConfigError([
    {
      env: spec.env,
      flag: spec.flag,
      expected:
        "a duration the brokers accept (their group.min.session.timeout.ms to group.max.session.timeout.ms)",
      got: `${config.sessionTimeout / 1000}s`,
      cause: "the broker refused it: INVALID_SESSION_TIMEOUT",
    },
  ]);
}

/** A port that cannot be listened on, as the user error it is. */
function portProblem(error: NodeJS.ErrnoException, config: Config): ConfigError | undefined {
  const causes: Record<string, string> = {
    EADDRINUSE: `another process listens on ${config.httpHost}:${config.httpPort}: EADDRINUSE`,
    EACCES: `this user may not listen on port ${config.httpPort}: EACCES`,
    EADDRNOTAVAIL: `${config.httpHost} is not an address of this machine: EADDRNOTAVAIL`,
  };
  const cause = causes[error.code ?? ""];
  if (cause === undefined) return undefined;
  const spec = error.code === "EADDRNOTAVAIL" ? SETTINGS.httpHost : SETTINGS.httpPort;
  return new ConfigError([
    {
      env: spec.env,
      flag: spec.flag,
      expected: error.code === "EADDRNOTAVAIL" ? "an address of this machine" : "a port free to listen on",
      got: String(error.code === "EADDRNOTAVAIL" ? config.httpHost : config.httpPort),
      cause,
    },
  ]);
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
