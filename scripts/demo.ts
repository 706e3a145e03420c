/**
 * `npm run demo`: Kafka (through the test harness's Testcontainers broker, or
 * KAFKA_BROKERS), the aggregator and a synthetic producer, with a live
 * one-line summary until Ctrl+C; then everything it started is stopped.
 */
import { Kafka, logLevel } from "kafkajs";
import { pino } from "pino";
import { loadConfig } from "../src/config/load-config.js";
import type { StatusSnapshot } from "../src/expose/status-snapshot.js";
import { startAggregator } from "../src/main.js";
import { runLoad } from "../src/produce/load-generator.js";
import { type KafkaBroker, startKafkaContainer } from "../test/support/kafka-container.js";

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());

  let broker: KafkaBroker | undefined;
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    say("starting Kafka through Testcontainers (the same broker the tests use)…");
    broker = await startKafkaContainer();
    brokers = broker.bootstrap;
    say(`Kafka ${broker.image} is up at ${brokers} (container ${broker.containerId.slice(0, 12)})`);
  }
  const config = loadConfig(
    {
      brokers,
      httpHost: "127.0.0.1",
      httpPort: process.env.HTTP_PORT ?? "9310",
      groupId: "metrics-aggregator-demo",
    },
    {},
  );
  const kafka = new Kafka({
    clientId: "metrics-aggregator-demo",
    brokers: [...config.brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [config.detectionTopic, config.llmTopic].map((topic) => ({ topic, numPartitions: 6 })),
    waitForLeaders: true,
  });
  await admin.disconnect();

  // Rejected synthetic events would drown the summary line; errors still show.
  const aggregator = await startAggregator(config, pino({ level: "error" }));
  const base = `http://127.0.0.1:${aggregator.httpPort}`;
  say(`status page  ${base}/`);
  say(`metrics      ${base}/metrics`);
  say("producing synthetic events (Ctrl+C to stop)…");

  const producing = runLoad(
    kafka,
    {
      detectionTopic: config.detectionTopic,
      llmTopic: config.llmTopic,
      rate: Number(process.env.DEMO_RATE ?? 200),
      durationMs: Number.POSITIVE_INFINITY,
      cameras: 12,
      models: 4,
      keys: 5,
      invalidRatio: 0.01,
      seed: 7,
    },
    () => {},
    stop.signal,
  );

  let previous: StatusSnapshot | undefined;
  const live = process.stdout.isTTY === true;
  const ticker = setInterval(async () => {
    try {
      const status = (await (await fetch(`${base}/api/status`)).json()) as StatusSnapshot;
      const seconds = previous ? (status.generatedAtMs - previous.generatedAtMs) / 1000 : 0;
      const rate =
        previous && seconds > 0 ? (status.events.consumed - previous.events.consumed) / seconds : 0;
      const lag = status.lag.reduce((sum, l) => sum + l.lag, 0);
      const line = `events/s ${rate.toFixed(0)}  consumed ${status.events.consumed}  cameras ${status.cameras.length}  invalid ${status.events.invalid}  lag ${lag}`;
      process.stdout.write(live ? `\r${line}   ` : `${line}\n`);
      previous = status;
    } catch {
      // the next tick tries again
    }
  }, 1_000);

  await producing;
  clearInterval(ticker);
  say(live ? "\nstopping…" : "stopping…");
  await aggregator.stop();
  await broker?.close();
  say("stopped; everything the demo started is gone");
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  process.exit(1);
});
