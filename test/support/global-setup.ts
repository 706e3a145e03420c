import type { TestProject } from "vitest/node";
import { type KafkaBroker, startKafkaContainer, waitForGroupCoordinator } from "./kafka-container.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Bootstrap address of the broker every integration test uses. */
    kafkaBrokers: string;
    /** Whether the harness can start containers of its own (fault tests need it). */
    containersAvailable: boolean;
  }
}

/**
 * The run's broker, shared by every project that runs this setup (vitest
 * loads the setup once per project, as separate module instances, in one
 * process); closed when the last project tears down.
 */
const run = globalThis as { kafkaHarness?: { broker: Promise<KafkaBroker>; users: number } };

/**
 * One broker per test run: `KAFKA_BROKERS` when set (an already running
 * broker), otherwise a container started through Testcontainers.
 * Tests isolate themselves with unique topic and group names.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BROKERS;
  if (external) {
    console.log(`[kafka-harness] using the running broker(s) at ${external} (KAFKA_BROKERS)`);
    await waitForGroupCoordinator(external);
    project.provide("kafkaBrokers", external);
    project.provide("containersAvailable", process.env.KAFKA_HARNESS_CONTAINERS !== "false");
    return async () => {};
  }
  run.kafkaHarness ??= { broker: startSharedBroker(), users: 0 };
  const harness = run.kafkaHarness;
  harness.users++;
  const broker = await harness.broker;
  project.provide("kafkaBrokers", broker.bootstrap);
  project.provide("containersAvailable", true);
  return async () => {
    harness.users--;
    if (harness.users === 0) {
      run.kafkaHarness = undefined;
      await broker.close();
    }
  };
}

async function startSharedBroker(): Promise<KafkaBroker> {
  const started = Date.now();
  let broker: KafkaBroker;
  try {
    broker = await startKafkaContainer();
  } catch (error) {
    throw new Error(
      `could not start a Kafka broker through Testcontainers (${(error as Error).message}); ` +
        "start Docker, or point KAFKA_BROKERS at a running broker",
    );
  }
  console.log(
    `[kafka-harness] Testcontainers started ${broker.image} (container ${broker.containerId.slice(0, 12)}) ` +
      `at ${broker.bootstrap} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return broker;
}
