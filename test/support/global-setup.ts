import "./process-warnings.js";
import type { TestProject } from "vitest/node";
import {
  type HarnessBroker,
  NoBrokerError,
  startHarnessBroker,
} from "../../scripts/kafka-harness/broker-chain.js";
import { DEFAULT_KAFKA_IMAGE } from "../../scripts/kafka-harness/kafka-container.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Bootstrap address of the broker every integration test uses. */
    kafkaBrokers: string;
    /** Whether the harness can start containers of its own (fault tests need it). */
    containersAvailable: boolean;
    /** The image such containers are started from. */
    kafkaImage: string;
  }
}

/**
 * The run's broker, shared by every project that runs this setup (vitest
 * loads the setup once per project, as separate module instances, in one
 * process); closed when the last project tears down.
 */
const run = globalThis as { kafkaHarness?: { broker: Promise<HarnessBroker>; users: number } };

/**
 * One broker per test run, chosen by the harness (`startHarnessBroker`: an
 * existing one, an image through Testcontainers, or a local JVM) and logged
 * in one line. Tests isolate themselves with unique topic and group names.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  run.kafkaHarness ??= { broker: startSharedBroker(), users: 0 };
  const harness = run.kafkaHarness;
  harness.users++;
  const broker = await harness.broker;
  project.provide("kafkaBrokers", broker.bootstrap);
  project.provide(
    "containersAvailable",
    broker.image !== undefined && process.env.KAFKA_HARNESS_CONTAINERS !== "false",
  );
  project.provide("kafkaImage", broker.image ?? DEFAULT_KAFKA_IMAGE);
  return async () => {
    harness.users--;
    if (harness.users === 0) {
      run.kafkaHarness = undefined;
      await broker.started?.close();
    }
  };
}

async function startSharedBroker(): Promise<HarnessBroker> {
  const started = Date.now();
  const say = (line: string) => console.log(`[kafka-harness] ${line}`);
  try {
    const broker = await startHarnessBroker(say);
    say(`broker: ${broker.choice}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return broker;
  } catch (error) {
    if (error instanceof NoBrokerError) throw new Error(error.message);
    throw new Error(`could not start a Kafka broker (${(error as Error).message})`);
  }
}
