import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Kafka } from "kafkajs";
import {
  type Build,
  CURRENT,
  exited,
  ROOT,
  spawnAggregator,
  stopAggregator,
  waitUntil,
} from "./aggregator-process.js";
import { committed } from "./bench-kafka.js";
import { log } from "./bench-report.js";

export const CONTENDERS = [
  "kcat",
  "kafkajs-raw",
  "naive",
  "previous",
  "aggregator",
  "previous-memory",
  "aggregator-memory",
] as const;
export type Contender = (typeof CONTENDERS)[number];

/** Runs a consumer that exits once it has read every event; events/s from its start to its exit. */
async function eventsPerSecond(events: number, program: string, args: string[]): Promise<number> {
  const started = performance.now();
  await exited(spawn(program, args, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] }));
  return events / ((performance.now() - started) / 1000);
}

/**
 * Each contender, one after another, in `runs` rounds: a new process and consumer group each time,
 * from its start until the whole of both topics is consumed (committed, for the aggregator).
 */
export async function throughput(
  kafka: Kafka,
  brokers: string,
  topics: [string, string],
  { events, runs, previous }: { events: number; runs: number; previous: Build | undefined },
) {
  const admin = kafka.admin();
  await admin.connect();
  const results = Object.fromEntries(CONTENDERS.map((c) => [c, [] as number[]])) as Record<
    Contender,
    number[]
  >;
  for (let run = 1; run <= runs; run++) {
    results.kcat.push(
      await eventsPerSecond(events, "kcat", [
        "-C",
        "-b",
        brokers,
        "-G",
        `bench-kcat-${randomUUID()}`,
        "-X",
        "auto.offset.reset=earliest",
        "-e",
        "-q",
        ...topics,
      ]),
    );
    for (const [contender, script] of [
      ["kafkajs-raw", "bench/kafkajs-raw-consumer.ts"],
      ["naive", "bench/naive-consumer.ts"],
    ] as const) {
      results[contender].push(
        await eventsPerSecond(events, process.execPath, [
          "--import",
          "tsx",
          script,
          brokers,
          `bench-${contender}-${randomUUID()}`,
          String(events),
          ...topics,
        ]),
      );
    }
    // The builds take turns to go first, so neither always carries what drifts during a pair.
    const pairs = [
      [
        ["previous", "durable", previous],
        ["aggregator", "durable", CURRENT],
      ],
      [
        ["previous-memory", "memory", previous],
        ["aggregator-memory", "memory", CURRENT],
      ],
    ] as const;
    const order = pairs.flatMap((pair) => (run % 2 === 1 ? pair : [...pair].reverse()));
    for (const [contender, mode, build] of order) {
      if (build === undefined) continue;
      // Until every offset is committed: in durable mode with the state that covers it, in one transaction.
      const group = `bench-aggregator-${randomUUID()}`;
      const started = performance.now();
      const { child } = spawnAggregator(brokers, group, topics, { STATE_MODE: mode }, build);
      await waitUntil(async () => (await committed(admin, group, topics)) >= events, 100);
      results[contender].push(events / ((performance.now() - started) / 1000));
      await stopAggregator(child);
    }
    log(
      `run ${run}: ${CONTENDERS.filter((c) => results[c].length > 0)
        .map((c) => `${c} ${results[c].at(-1)?.toFixed(0)}/s`)
        .join(", ")}`,
    );
  }
  await admin.disconnect();
  return results;
}
