import { readFileSync } from "node:fs";
import { collectDefaultMetrics, Registry } from "prom-client";
import { eventFamilies } from "../aggregate/event-families.js";
import { catalogueSettings } from "../catalogue/catalogue-settings.js";
import { compileCatalogue } from "../catalogue/compile-catalogue.js";
import { type Catalogue, loadCatalogue } from "../catalogue/load-catalogue.js";
import { checkChangelogNames } from "../config/load-config.js";
import type { Config } from "../config/settings.js";
import type { WebConfig } from "../config/web-config.js";
import { DeadLetterLimits } from "../dead-letter/dead-letter-limits.js";
import { createMessageDecoder } from "../decode/message-decoder.js";
import { EventExposition } from "../expose/exposition/event-exposition.js";
import type { ReadinessCheck } from "../expose/http/health-routes.js";
import type { Logger } from "../log/logger.js";
import { RateLimitedLog } from "../log/rate-limited-log.js";
import { createEventPipeline } from "../pipeline/event-pipeline.js";
import { createRegistryClient } from "../registry/registry-client.js";
import { RegistrySchemas } from "../registry/registry-schemas.js";
import { RegistryMetrics } from "../self-metrics/registry-metrics.js";
import { SelfMetrics } from "../self-metrics/self-metrics.js";
import { registerCompressionCodecs } from "../source/compression-codecs.js";
import { EventTopics } from "../source/event-topics.js";
import { GroupConsumer } from "../source/group-consumer.js";
import { PartitionTasks } from "../state/lifecycle/partition-tasks.js";
import { dependencyBackoff } from "../util/backoff.js";
import { notReady } from "../util/component-status.js";
import { VERSION } from "../version.js";
import { serveHttp } from "./http-surface.js";
import { kafkaClients, maxMessageBytes, partitionOffsets } from "./kafka-clients.js";
import { runKafkaSetup } from "./kafka-setup.js";
import { processingMode } from "./processing-mode.js";
import { Publishes } from "./publishes.js";
import { refusedSetting } from "./startup-errors.js";
import { stopInOrder } from "./stop-service.js";

/** What {@link startAggregator} may be given besides the configuration. */
export interface StartOptions {
  /** The catalogue, when the caller checked it already (else it is loaded here). */
  readonly catalogue?: Catalogue;
  /** Reads the files settings name (TLS CAs); the real file system by default. */
  readonly readFile?: (path: string) => string;
  /** Called when the service cannot go on (the consumer crashed for good): the process must exit. */
  readonly onFatal?: (error: Error) => void;
  /** The web configuration file, when the caller read and checked it already (else it is read here). */
  readonly web?: WebConfig | undefined;
}

/** A started service: where it listens and how to stop it in order. */
export interface RunningAggregator {
  readonly httpPort: number;
  /** Stops consuming, commits every partition's state, leaves the group, then closes HTTP. */
  stop(): Promise<void>;
}

/** How often the brokers are asked where the assigned partitions end, for the lag of idle or stuck ones. */
const LAG_REFRESH_MS = 5_000;

/**
 * Wires the data path — Kafka source → decode → aggregate/state → expose —
 * from a validated configuration, one part after another, each made from
 * the ones before it. HTTP starts before Kafka is asked anything, so
 * `/healthz` answers and `/readyz` says what the service waits for.
 */
export async function startAggregator(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningAggregator> {
  const catalogue = options.catalogue ?? loadCatalogue(catalogueSettings(config));
  const { models, contracts, streams } = compileCatalogue(catalogue);
  const topics = [...streams.keys()];
  checkChangelogNames(config, topics);
  logger.info(
    {
      event: "catalogue",
      files: catalogue.files,
      streams: catalogue.streams.map((s) => ({ stream: s.name, topic: s.topic, metrics: s.metrics.length })),
    },
    "metric catalogue loaded",
  );
  registerCompressionCodecs();

  // Kafka clients, the service's own metrics, and how partitions are processed.
  const clients = kafkaClients(config, logger, options.readFile ?? ((path) => readFileSync(path, "utf8")));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const selfMetrics = new SelfMetrics(
    registry,
    topics,
    VERSION,
    partitionOffsets(clients.setupAdmin, config.groupId),
  );
  const mode = processingMode({
    config,
    topics,
    models,
    kafka: clients.kafka,
    stateAdmin: clients.stateAdmin,
    deadLetterLimits: new DeadLetterLimits((topic) => maxMessageBytes(clients.setupAdmin, topic)),
    telemetry: selfMetrics,
    logger,
  });

  // Decode: plain JSON, or framed by a schema registry.
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

  // Aggregate and keep: the partition lifecycle, then the consumer it is attached to.
  const publishes = new Publishes();
  const tasks = new PartitionTasks(
    {
      groupId: config.groupId,
      streams,
      changelogOf: mode.changelogOf,
      store: mode.store,
      rejects: mode.rejects,
      keep: mode.keep,
      intervalMs: mode.intervalMs,
      seriesTtlMs: config.seriesTtl,
      pipeline,
      telemetry: selfMetrics,
      logger: logger.child({ component: "state" }),
      brokerErrors: clients.stateErrors,
    },
    publishes.announce,
  );
  selfMetrics.attachState(tasks);
  const consumer = new GroupConsumer(
    {
      ...clients.connection,
      groupId: config.groupId,
      fromBeginning: config.fromBeginning,
      fetchMaxBytesPerPartition: config.fetchMaxBytesPerPartition,
      fetchMaxBytes: config.fetchMaxBytes,
      partitionsConcurrently: config.partitionsConcurrently,
      sessionTimeoutMs: config.sessionTimeout,
      autoCommit: mode.autoCommit,
      assigners: mode.assigners(() => tasks.owned()),
    },
    { sink: tasks, listener: tasks, telemetry: selfMetrics },
    logger.child({ component: "source" }),
    (error) => options.onFatal?.(refusedSetting(error, config) ?? error),
  );
  tasks.attach(consumer);

  // Expose: the text of what is shown, made after each publish; the HTTP surface.
  const families = eventFamilies([...models.values()], (stream) => tasks.shownStates(stream));
  const exposition = new EventExposition(() => families.all);
  publishes.onEach(() => exposition.refresh());
  const eventTopics = new EventTopics(streams, selfMetrics);
  let connectionProblem: string | undefined = "connecting";
  const readiness: ReadinessCheck[] = [
    {
      name: "kafka",
      status: () => (connectionProblem ? notReady(connectionProblem) : consumer.currentStatus()),
    },
    { name: "topics", status: () => eventTopics.status() },
    { name: "state", status: () => tasks.status() },
    ...(schemas ? [{ name: "schema_registry", status: () => schemas.currentStatus() }] : []),
    ...mode.checks,
  ];
  const http = await serveHttp({
    config,
    status: catalogue.status,
    families,
    exposition,
    registry,
    selfMetrics,
    readiness,
    publishes,
    web: options.web,
  });
  logger.info({ event: "http_listening", host: config.httpHost, port: http.server.port }, "serving /metrics");

  // Start: commits and lag, then Kafka (topics, the mode's state, the consumer).
  tasks.start();
  const lagTimer = setInterval(() => void selfMetrics.refreshLag().catch(() => {}), LAG_REFRESH_MS).unref();
  const stopping = new AbortController();
  const setup = runKafkaSetup({
    admin: clients.setupAdmin,
    brokers: config.brokers,
    topics: eventTopics,
    prepareState: mode.prepare,
    consume: (inputs) =>
      consumer.subscribe(
        { topics: inputs, stateTopics: inputs.flatMap((input) => mode.changelogOf.get(input) ?? []) },
        () => tasks.commitAll(),
      ),
    reportConnection: (problem) => {
      connectionProblem = problem;
    },
    reportState: (problem) => tasks.setSetupProblem(problem),
    logger: logger.child({ component: "setup" }),
    signal: stopping.signal,
    pollIntervalMs: config.topicCheckInterval,
  });

  return {
    httpPort: http.server.port,
    stop: () =>
      stopInOrder({
        config,
        logger,
        stopping,
        setup,
        lagTimer,
        consumer,
        tasks,
        mode,
        setupAdmin: clients.setupAdmin,
        http,
      }),
  };
}
