import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Admin, Kafka } from "kafkajs";
import { EventGenerator } from "../src/produce/event-generator.js";
import { runLoad } from "../src/produce/load-generator.js";
import { type Build, CURRENT, spawnAggregator, waitUntil } from "./aggregator-process.js";
import { committed, createTopics, endOffsets, preload } from "./bench-kafka.js";

/** A service that has consumed and committed a backlog touching each of `cameras × 4` label sets. */
export interface LoadedService {
  readonly admin: Admin;
  readonly topics: [string, string];
  readonly child: ChildProcess;
  /** `127.0.0.1:<port>` */
  readonly target: string;
  readonly labelSets: number;
  readonly cameras: number;
}

/** Feeds the service's topics `rate` events/s of its cameras (a fresh seed) until stopped; resolves once stopped. */
export function steadyLoad(kafka: Kafka, service: LoadedService, rate: number): { stop(): Promise<void> } {
  if (rate === 0) return { stop: async () => {} };
  const abort = new AbortController();
  const load = runLoad(
    kafka,
    {
      detectionTopic: service.topics[0],
      llmTopic: service.topics[1],
      rate,
      durationMs: 600_000,
      cameras: service.cameras,
      models: 4,
      keys: 30,
      invalidRatio: 0,
      seed: 4,
    },
    () => {},
    abort.signal,
  );
  return {
    async stop() {
      abort.abort();
      await load;
    },
  };
}

/**
 * Two fresh topics with enough generated events that every camera × model
 * pair occurs (coupon collector: about n ln n), a service that consumed
 * them all (its committed offsets at the end), and a moment more so what
 * it shows is what it committed.
 */
export async function loadedService(
  kafka: Kafka,
  brokers: string,
  options: {
    readonly name: string;
    readonly cameras: number;
    readonly seed: number;
    readonly settings: Record<string, string>;
    readonly build?: Build;
  },
): Promise<LoadedService> {
  const topics: [string, string] = [
    `bench-${options.name}-det-${randomUUID()}`,
    `bench-${options.name}-llm-${randomUUID()}`,
  ];
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, topics);
  const labelSets = options.cameras * 4;
  const generator = new EventGenerator({
    cameras: options.cameras,
    models: 4,
    keys: 30,
    invalidRatio: 0,
    seed: options.seed,
  });
  await preload(kafka, topics, generator, Math.ceil(labelSets * Math.log(labelSets) * 1.6) + 1_000);
  const total = await endOffsets(admin, topics);
  const group = `bench-${options.name}-${randomUUID()}`;
  const { child, port } = spawnAggregator(brokers, group, topics, options.settings, options.build ?? CURRENT);
  const target = `127.0.0.1:${await port}`;
  await waitUntil(async () => (await committed(admin, group, topics)) >= total, 100);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  return { admin, topics, child, target, labelSets, cameras: options.cameras };
}
