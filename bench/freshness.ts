import { randomUUID } from "node:crypto";
import { type Kafka, Partitioners } from "kafkajs";
import { runLoad } from "../src/produce/load-generator.js";
import { type Build, CURRENT, spawnAggregator, stopAggregator, waitUntil } from "./aggregator-process.js";
import { createTopics } from "./bench-kafka.js";
import { percentile } from "./bench-report.js";

/** Delay from produce to visible in /metrics at a steady 20,000 events/s. */
export async function freshness(
  kafka: Kafka,
  brokers: string,
  mode: "durable" | "memory",
  build: Build = CURRENT,
) {
  const topics: [string, string] = [`bench-fresh-det-${randomUUID()}`, `bench-fresh-llm-${randomUUID()}`];
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, topics);
  const { child, port } = spawnAggregator(
    brokers,
    `bench-fresh-${randomUUID()}`,
    topics,
    { KAFKA_FROM_BEGINNING: "false", STATE_MODE: mode },
    build,
  );
  const base = `http://127.0.0.1:${await port}`;
  await waitUntil(async () => (await fetch(`${base}/readyz`)).ok, 100);
  const stop = new AbortController();
  const load = runLoad(
    kafka,
    {
      detectionTopic: topics[0],
      llmTopic: topics[1],
      rate: 20_000,
      durationMs: 40_000,
      cameras: 200,
      models: 4,
      keys: 30,
      invalidRatio: 0,
      seed: 5,
    },
    () => {},
    stop.signal,
  );
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const delays: number[] = [];
  const deadline = Date.now() + 30_000;
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  while (Date.now() < deadline) {
    const stamp = Date.now();
    const event = {
      event_id: randomUUID(),
      timestamp: stamp,
      camera_id: "freshness-probe",
      model_type: "probe",
      latency_seconds: 0.01,
      num_objects: 0,
      num_groups: 0,
    };
    const sent = performance.now();
    await producer.send({ topic: topics[0], acks: 1, messages: [{ value: JSON.stringify(event) }] });
    for (;;) {
      const body = await (await fetch(`${base}/metrics`)).text();
      // Probes go to any partition: the newest of the per-partition series is the last probe seen.
      const seen = [
        ...body.matchAll(
          /camera_last_event_timestamp_seconds\{camera_id="freshness-probe",partition="\d+"\} (\S+)/g,
        ),
      ];
      if (seen.some((match) => Number(match[1]) * 1000 >= stamp)) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    delays.push(performance.now() - sent);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  stop.abort();
  const loaded = await load;
  await producer.disconnect();
  await stopAggregator(child);
  await admin.disconnect();
  return {
    build: build.name,
    mode,
    targetRate: 20_000,
    achievedRate: Math.round(loaded.rate),
    probes: delays.length,
    p50Ms: percentile(delays, 50),
    p99Ms: percentile(delays, 99),
  };
}
