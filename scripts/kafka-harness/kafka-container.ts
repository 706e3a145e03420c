import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { Kafka, logLevel } from "kafkajs";
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer, Wait } from "testcontainers";
import { guardSessionContainers, SESSION_LABEL, sessionId } from "./own-reaper.js";
import { chooseReaper, ryukIsOff } from "./reaper-choice.js";

/** The official image a developer with Docker Hub gets by default. */
export const DEFAULT_KAFKA_IMAGE = "apache/kafka:4.1.1";

/** A broker started by the harness, with the controls the fault tests need. */
export interface KafkaBroker {
  /** Bootstrap address for clients on this machine, e.g. `127.0.0.1:39092`. */
  readonly bootstrap: string;
  readonly image: string;
  readonly containerId: string;
  /** Stops the broker process (the container keeps its data), as in an outage. */
  stopBroker(): Promise<void>;
  /** Starts a broker stopped by {@link KafkaBroker.stopBroker} and waits until it serves again. */
  startBroker(): Promise<void>;
  /** Stops and removes the container. */
  close(): Promise<void>;
}

/** What the broker logs once it serves. */
export const STARTED = /Kafka Server started/;

/** Listeners, settings and files a broker needs beyond the plain one (SASL, TLS). */
export interface BrokerExtras {
  /** Extra listeners by name, e.g. `SASL_SSL`, each on its own port (same inside and outside). */
  readonly listeners?: Readonly<Record<string, number>>;
  /** Extra `server.properties` lines. */
  readonly properties?: readonly string[];
  /** Extra `kafka-storage.sh format` arguments, e.g. `--add-scram …`. */
  readonly formatArgs?: readonly string[];
  /** Files copied into the container before it starts. */
  readonly files?: readonly { readonly content: string | Buffer; readonly target: string }[];
  /**
   * False: hand the broker over as soon as it serves, its group and
   * transaction coordinators still cold (what a service meets on a broker
   * that just started). By default they are warmed up first.
   */
  readonly warmUp?: boolean;
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * A single-node KRaft broker's `server.properties`, the same for the
 * official `apache/kafka` image, the locally built one and a local JVM.
 * Client listeners use the same port inside and outside a container so the
 * advertised address stays right across a container stop and start.
 */
export function brokerProperties(
  port: number,
  extras: BrokerExtras,
  logDirs: string,
  controllerPort = 9093,
): string[] {
  const listeners = { PLAINTEXT: port, ...extras.listeners };
  const names = Object.keys(listeners);
  return [
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.voters=1@localhost:${controllerPort}`,
    `listeners=${names.map((n) => `${n}://0.0.0.0:${listeners[n as keyof typeof listeners]}`).join(",")},CONTROLLER://localhost:${controllerPort}`,
    `advertised.listeners=${names.map((n) => `${n}://127.0.0.1:${listeners[n as keyof typeof listeners]}`).join(",")}`,
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=PLAINTEXT",
    `listener.security.protocol.map=${names.map((n) => `${n}:${n}`).join(",")},CONTROLLER:PLAINTEXT`,
    `log.dirs=${logDirs}`,
    "num.partitions=1",
    "offsets.topic.replication.factor=1",
    "offsets.topic.num.partitions=6",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "transaction.state.log.num.partitions=6",
    "share.coordinator.state.topic.replication.factor=1",
    "share.coordinator.state.topic.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    "auto.create.topics.enable=true",
    ...(extras.properties ?? []),
  ];
}

/** The cluster id every harness broker is formatted with. */
export const CLUSTER_ID = "bWV0cmljcy1hZ2dyZWdhdG9y";

/** The container's entry point: write the properties, format the storage, start the broker. */
function startScript(port: number, extras: BrokerExtras): string {
  return [
    "set -e",
    `printf '%s\\n' ${brokerProperties(port, extras, "/tmp/kafka-logs").map(quote).join(" ")} > /tmp/server.properties`,
    `/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t ${CLUSTER_ID} -c /tmp/server.properties ${(extras.formatArgs ?? []).map(quote).join(" ")}`,
    "exec /opt/kafka/bin/kafka-server-start.sh /tmp/server.properties",
  ].join("\n");
}

/** A TCP port that is free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

/**
 * Testcontainers publishes ports on every interface; the harness keeps broker
 * traffic on this machine by binding the published port to 127.0.0.1 only.
 */
class LoopbackKafkaContainer extends GenericContainer {
  constructor(image: string, port: number, extras: BrokerExtras) {
    super(image);
    const ports = [port, ...Object.values(extras.listeners ?? {})];
    this.withEntrypoint(["sh", "-c", startScript(port, extras)])
      .withExposedPorts(...ports.map((p) => ({ container: p, host: p })))
      .withWaitStrategy(Wait.forLogMessage(STARTED))
      .withStartupTimeout(120_000)
      .withLabels({ "metrics-aggregator.role": "test-kafka", [SESSION_LABEL]: sessionId });
    if (extras.files?.length)
      this.withCopyContentToContainer(extras.files.map((f) => ({ ...f, mode: 0o644 })));
    this.hostConfig.PortBindings = Object.fromEntries(
      ports.map((p) => [`${p}/tcp`, [{ HostIp: "127.0.0.1", HostPort: String(p) }]]),
    );
  }
}

/**
 * Waits until the broker's group and transaction coordinators serve. On a
 * fresh broker the first group request creates and loads
 * `__consumer_offsets`, and the first transactional producer
 * `__transaction_state`; clients that arrive during those loads are told to
 * retry (a group rebalances, a transaction fails), which would make the
 * first tests slow and their timings noisy. Asking for the offsets of a few
 * groups and running a transaction (kafkajs retries until the coordinators
 * answer) gets that done before any test starts.
 */
export async function waitForGroupCoordinator(bootstrap: string): Promise<void> {
  const kafka = new Kafka({
    clientId: "harness-warmup",
    brokers: bootstrap.split(","),
    logLevel: logLevel.NOTHING,
    retry: { retries: 30, maxRetryTime: 2_000 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 60_000;
    for (let answered = 0; answered < 12; ) {
      try {
        await admin.fetchOffsets({ groupId: `harness-warmup-${randomUUID()}` });
        answered++;
      } catch (error) {
        // "not the correct coordinator" / "coordinator is loading": kafkajs does not retry these here
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const topic = `harness-warmup-${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer({ transactionalId: topic, maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    for (let committed = false; !committed; ) {
      const transaction = await producer.transaction();
      try {
        await transaction.send({ topic, messages: [{ value: "warm-up" }] });
        await transaction.sendOffsets({
          consumerGroupId: topic,
          topics: [{ topic, partitions: [{ partition: 0, offset: "1" }] }],
        });
        await transaction.commit();
        committed = true;
      } catch (error) {
        await transaction.abort().catch(() => {});
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    await producer.disconnect();
  } finally {
    await admin.disconnect();
  }
}

type RuntimeClient = Awaited<ReturnType<typeof getContainerRuntimeClient>>;
type DockerContainer = ReturnType<RuntimeClient["container"]["getById"]>;

/**
 * Starts a single-node KRaft broker through Testcontainers.
 * The image is `KAFKA_IMAGE` when given (CI passes the locally built one),
 * else the official {@link DEFAULT_KAFKA_IMAGE}.
 */
export async function startKafkaContainer(
  image = process.env.KAFKA_IMAGE || DEFAULT_KAFKA_IMAGE,
  extras: BrokerExtras = {},
): Promise<KafkaBroker> {
  await chooseReaper();
  // Without Ryuk, the harness's own reaper removes this process's containers if it dies before it does.
  if (ryukIsOff()) guardSessionContainers();
  const port = await freePort();
  const container: StartedTestContainer = await new LoopbackKafkaContainer(image, port, extras).start();
  const runtime = await getContainerRuntimeClient();
  const docker = runtime.container.getById(container.getId());
  try {
    if (extras.warmUp !== false) await waitForGroupCoordinator(`127.0.0.1:${port}`);
  } catch (error) {
    await container.stop({ timeout: 5 });
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    bootstrap: `127.0.0.1:${port}`,
    image,
    containerId: container.getId(),
    async stopBroker() {
      await runtime.container.stop(docker, { timeout: 10 });
    },
    async startBroker() {
      const since = Math.floor(Date.now() / 1000);
      await runtime.container.start(docker);
      await waitForLog(runtime, docker, STARTED, since);
    },
    // Once, however many callers (a second Ctrl+C, a test's and the harness's clean-up) ask for it.
    close() {
      closing ??= container.stop({ timeout: 5 }).then(
        () => undefined,
        (error: Error) => {
          // already being removed, or gone
          if (!/\b(404|409)\b|No such container|already in progress/.test(error.message)) throw error;
        },
      );
      return closing;
    },
  };
}

async function waitForLog(
  runtime: RuntimeClient,
  docker: DockerContainer,
  pattern: RegExp,
  since: number,
): Promise<void> {
  const stream = await runtime.container.logs(docker, { follow: true, stdout: true, stderr: true, since });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not log ${pattern} within 120 s`)), 120_000);
    stream.on("data", (chunk: Buffer) => {
      if (pattern.test(chunk.toString())) {
        clearTimeout(timer);
        stream.destroy();
        resolve();
      }
    });
    stream.on("error", reject);
  });
}
