/**
 * `npm run demo`: Kafka (the harness chooses: KAFKA_BROKERS, an image, or a
 * local JVM), the aggregator and a synthetic producer, with a live one-line
 * summary until SIGINT or SIGTERM; then everything it started is stopped,
 * once, however many signals arrive, and it exits 0.
 */
import { Kafka, logLevel } from "kafkajs";
import { pino } from "pino";
import { loadConfig } from "../../src/config/load-config.js";
import type { StatusSnapshot } from "../../src/expose/status/status-snapshot.js";
import { runLoad } from "../../src/produce/load-generator.js";
import { type RunningAggregator, startAggregator } from "../../src/service/start-service.js";
import { type HarnessBroker, NoBrokerError, startHarnessBroker } from "../kafka-harness/broker-chain.js";

const say = (line: string) => process.stdout.write(`${line}\n`);

/** Set by the first signal; later signals are ignored while the demo stops. */
const stop = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stop.abort());

async function run(started: { broker?: HarnessBroker; aggregator?: RunningAggregator }): Promise<void> {
  const t0 = Date.now();
  say("choosing a Kafka broker…");
  started.broker = await startHarnessBroker(say);
  say(`Kafka: ${started.broker.choice}`);
  if (stop.signal.aborted) return;
  const config = loadConfig(
    {
      brokers: started.broker.bootstrap,
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
  if (stop.signal.aborted) return;

  // Rejected synthetic events would drown the summary line; errors still show.
  started.aggregator = await startAggregator(config, pino({ level: "error" }));
  const base = `http://127.0.0.1:${started.aggregator.httpPort}`;
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
  let firstCounted = false;
  const live = process.stdout.isTTY === true;
  const ticker = setInterval(async () => {
    try {
      const status = (await (await fetch(`${base}/api/status`)).json()) as StatusSnapshot;
      if (!firstCounted && status.events.counted > 0) {
        firstCounted = true;
        say(
          `${live ? "\n" : ""}events consumed and counted, ${((Date.now() - t0) / 1000).toFixed(0)} s after the start`,
        );
      }
      const seconds = previous ? (status.generatedAtMs - previous.generatedAtMs) / 1000 : 0;
      const rate = previous && seconds > 0 ? (status.events.counted - previous.events.counted) / seconds : 0;
      const lag = status.lag.reduce((sum, l) => sum + l.lag, 0);
      const line = `events/s ${rate.toFixed(0)}  counted ${status.events.counted}  cameras ${status.entities?.rows.length ?? 0}  invalid ${status.events.invalid}  lag ${lag}`;
      process.stdout.write(live ? `\r${line}   ` : `${line}\n`);
      previous = status;
    } catch {
      // the next tick tries again
    }
  }, 1_000);
  await producing;
  clearInterval(ticker);
}

async function main(): Promise<void> {
  const started: { broker?: HarnessBroker; aggregator?: RunningAggregator } = {};
  let failure: Error | undefined;
  try {
    await run(started);
  } catch (error) {
    failure = error as Error;
  }
  if (started.aggregator || started.broker?.started) say(process.stdout.isTTY ? "\nstopping…" : "stopping…");
  try {
    await withinStopTimeout(started.aggregator?.stop());
  } catch (error) {
    failure ??= error as Error;
  } finally {
    await started.broker?.started?.close();
  }
  if (failure) {
    process.stderr.write(`demo failed: ${failure instanceof NoBrokerError ? "" : "\n"}${failure.message}\n`);
    process.exit(1);
  }
  say("stopped; everything the demo started is gone");
  process.exit(0);
}

/** Longest the aggregator may take to stop before the broker is stopped anyway (the service's default SHUTDOWN_TIMEOUT). */
const STOP_TIMEOUT_MS = 15_000;

async function withinStopTimeout(stopping: Promise<void> | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      stopping,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the aggregator did not stop within ${STOP_TIMEOUT_MS / 1000} s`)),
          STOP_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

void main();
