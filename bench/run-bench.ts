/**
 * `npm run bench`: the aggregator against the machine's own limit (kcat) and
 * against the naive consumer, on the same preloaded bytes, plus scrape cost,
 * freshness and memory. Writes bench/results/<date>.json and prints Markdown
 * tables for BENCHMARKS.md. Not a test: CI does not run it.
 *
 * Environment: KAFKA_BROKERS (else the test harness starts a broker),
 * BENCH_EVENTS (default 2,000,000), BENCH_RUNS (default 3), BENCH_PREVIOUS
 * (the git revision of the previous release, built beside this one and run
 * in the same runs; empty: skipped).
 */
import "../test/support/process-warnings.js";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { type Admin, Kafka, logLevel, type Message, Partitioners } from "kafkajs";
import { EventGenerator } from "../src/produce/event-generator.js";
import { runLoad } from "../src/produce/load-generator.js";
import { startHarnessBroker } from "../test/support/harness-broker.js";
import { machineInfo, median } from "./bench-report.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000_000);
/** Parts to run, comma-separated (while working on one): throughput, scrape, freshness, restore. */
const PARTS = new Set((process.env.BENCH_PARTS ?? "throughput,scrape,freshness,restore").split(","));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ROOT = new URL("../", import.meta.url);
/**
 * The previous release, whose throughput the current one must keep (≥ 0.95×): the last commit before
 * the metric catalogue replaced the hand-written aggregation.
 */
const PREVIOUS = process.env.BENCH_PREVIOUS ?? "dc86451";
const CONTENDERS = [
  "kcat",
  "kafkajs-raw",
  "naive",
  "previous",
  "aggregator",
  "previous-memory",
  "aggregator-memory",
] as const;
const MODES = ["durable", "memory"] as const;
type Mode = (typeof MODES)[number];
type Contender = (typeof CONTENDERS)[number];
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

async function createTopics(admin: Admin, topics: string[]): Promise<void> {
  await admin.createTopics({
    topics: topics.map((topic) => ({ topic, numPartitions: 6 })),
    waitForLeaders: true,
  });
}

async function endOffsets(admin: Admin, topics: string[]): Promise<number> {
  let total = 0;
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high);
  }
  return total;
}

async function committed(admin: Admin, group: string, topics: string[]): Promise<number> {
  const result = await admin.fetchOffsets({ groupId: group, topics });
  return result.flatMap((t) => t.partitions).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/** Produces `count` generated events into the two topics, in large batches; returns the bytes written. */
async function preload(
  kafka: Kafka,
  topics: [string, string],
  generator: EventGenerator,
  count: number,
): Promise<number> {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  let bytes = 0;
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < count; ) {
    const detections: Message[] = [];
    const llms: Message[] = [];
    const size = Math.min(10_000, count - sent);
    for (let i = 0; i < size; i++) {
      const event = generator.next();
      bytes += event.value.length;
      (event.kind === "detection" ? detections : llms).push({ key: event.key, value: event.value });
    }
    sent += size;
    inFlight.push(
      producer.sendBatch({
        acks: 1,
        topicMessages: [
          { topic: topics[0], messages: detections },
          { topic: topics[1], messages: llms },
        ],
      }),
    );
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await producer.disconnect();
  return bytes;
}

/**
 * Builds a revision of this repository beside it (its sources from git, this checkout's
 * node_modules) and returns the folder whose `dist/main.js` runs it.
 */
function buildRevision(revision: string): string {
  const dir = mkdtempSync(join(tmpdir(), `metrics-aggregator-${revision}-`));
  const root = fileURLToPath(ROOT);
  execFileSync("sh", ["-c", `git -C "${root}" archive "${revision}" | tar -x -C "${dir}"`]);
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  execFileSync(process.execPath, [
    join(root, "node_modules/typescript/bin/tsc"),
    "-p",
    join(dir, "tsconfig.build.json"),
  ]);
  return dir;
}

function spawnAggregator(
  brokers: string,
  group: string,
  topics: [string, string],
  extra: Record<string, string> = {},
  /** The folder of the build to run: this checkout unless another revision's. */
  build: string | URL = ROOT,
) {
  const child = spawn(process.execPath, ["dist/main.js"], {
    cwd: build,
    env: {
      PATH: process.env.PATH,
      KAFKA_BROKERS: brokers,
      KAFKA_GROUP_ID: group,
      DETECTION_TOPIC: topics[0],
      LLM_TOPIC: topics[1],
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      LOG_LEVEL: "info",
      ...extra,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = new Promise<number>((resolve) => {
    let buffer = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"event":"http_listening".*?"port":(\d+)/.exec(buffer);
      if (match) resolve(Number(match[1]));
    });
  });
  return { child, port };
}

async function waitUntil(probe: () => Promise<boolean>, intervalMs = 50): Promise<void> {
  while (!(await probe())) await new Promise((resolve) => setTimeout(resolve, intervalMs));
}

function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** Runs a consumer that exits once it has read every event; events/s from its start to its exit. */
async function eventsPerSecond(program: string, args: string[]): Promise<number> {
  const started = performance.now();
  await exited(spawn(program, args, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] }));
  return EVENTS / ((performance.now() - started) / 1000);
}

async function throughput(
  kafka: Kafka,
  brokers: string,
  topics: [string, string],
  previous: string | undefined,
) {
  const admin = kafka.admin();
  await admin.connect();
  const results = Object.fromEntries(CONTENDERS.map((c) => [c, [] as number[]])) as Record<
    Contender,
    number[]
  >;
  for (let run = 1; run <= RUNS; run++) {
    results.kcat.push(
      await eventsPerSecond("kcat", [
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
        await eventsPerSecond(process.execPath, [
          "--import",
          "tsx",
          script,
          brokers,
          `bench-${contender}-${randomUUID()}`,
          String(EVENTS),
          ...topics,
        ]),
      );
    }
    for (const [contender, mode, build] of [
      ["previous", "durable", previous],
      ["aggregator", "durable", ROOT],
      ["previous-memory", "memory", previous],
      ["aggregator-memory", "memory", ROOT],
    ] as const) {
      if (build === undefined) continue;
      // Until every offset is committed: in durable mode with the state that covers it, in one transaction.
      const group = `bench-aggregator-${randomUUID()}`;
      const started = performance.now();
      const { child } = spawnAggregator(brokers, group, topics, { STATE_MODE: mode }, build);
      await waitUntil(async () => (await committed(admin, group, topics)) >= EVENTS, 100);
      results[contender].push(EVENTS / ((performance.now() - started) / 1000));
      child.kill("SIGTERM");
      await exited(child);
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

/** Scrape latency while ingesting, body sizes and peak RSS with `cameras × 4` detection label sets. */
async function scrapeCost(kafka: Kafka, brokers: string, cameras: number, mode: Mode) {
  const topics: [string, string] = [`bench-scrape-det-${randomUUID()}`, `bench-scrape-llm-${randomUUID()}`];
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, topics);
  const labelSets = cameras * 4;
  const seed = new EventGenerator({ cameras, models: 4, keys: 30, invalidRatio: 0, seed: 3 });
  // Enough events that every camera × model pair occurs (coupon collector: ~ n ln n).
  await preload(kafka, topics, seed, Math.ceil(labelSets * Math.log(labelSets) * 1.6) + 1_000);
  const total = await endOffsets(admin, topics);
  const group = `bench-scrape-${randomUUID()}`;
  const { child, port } = spawnAggregator(brokers, group, topics, { STATE_MODE: mode });
  const base = `http://127.0.0.1:${await port}`;
  await waitUntil(async () => (await committed(admin, group, topics)) >= total, 100);
  const body = await (await fetch(`${base}/metrics`, { headers: { accept: "text/plain" } })).text();
  const series = body.split("\n").filter((line) => line !== "" && !line.startsWith("#")).length;
  const gzipBytes = gzipSync(body, { level: 1 }).length;

  const stop = new AbortController();
  const ingest = runLoad(
    kafka,
    {
      detectionTopic: topics[0],
      llmTopic: topics[1],
      rate: 5_000,
      durationMs: 120_000,
      cameras,
      models: 4,
      keys: 30,
      invalidRatio: 0,
      seed: 4,
    },
    () => {},
    stop.signal,
  );
  const latencies: number[] = [];
  for (let i = 0; i < 100; i++) {
    const started = performance.now();
    const response = await fetch(`${base}/metrics`, { headers: { "accept-encoding": "gzip" } });
    await response.arrayBuffer();
    latencies.push(performance.now() - started);
  }
  stop.abort();
  await ingest;
  const rss = peakRssBytes(child.pid as number);
  child.kill("SIGTERM");
  await exited(child);
  await admin.disconnect();
  return {
    mode,
    labelSets,
    series,
    plainBytes: Buffer.byteLength(body),
    gzipBytes,
    scrapeP50Ms: percentile(latencies, 50),
    scrapeP99Ms: percentile(latencies, 99),
    peakRssBytes: rss,
  };
}

/** Delay from produce to visible in /metrics at a steady 20,000 events/s. */
async function freshness(kafka: Kafka, brokers: string, mode: Mode) {
  const topics: [string, string] = [`bench-fresh-det-${randomUUID()}`, `bench-fresh-llm-${randomUUID()}`];
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, topics);
  const { child, port } = spawnAggregator(brokers, `bench-fresh-${randomUUID()}`, topics, {
    KAFKA_FROM_BEGINNING: "false",
    STATE_MODE: mode,
  });
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
  child.kill("SIGTERM");
  await exited(child);
  await admin.disconnect();
  return {
    mode,
    targetRate: 20_000,
    achievedRate: Math.round(loaded.rate),
    probes: delays.length,
    p50Ms: percentile(delays, 50),
    p99Ms: percentile(delays, 99),
  };
}

/**
 * Restore: one aggregator builds `labelSets` detection label sets in one
 * partition and stops; a new one restores the partition from its changelog.
 * The time is the partition's open as the service logs it (fence, read to
 * the last stable offset, seek), median of 3 restarts.
 */
async function restoreTime(kafka: Kafka, brokers: string, labelSets: number) {
  const topics: [string, string] = [`bench-restore-det-${randomUUID()}`, `bench-restore-llm-${randomUUID()}`];
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: topics.map((topic) => ({ topic, numPartitions: 1 })),
    waitForLeaders: true,
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const models = ["yolov8n", "yolov8s", "yolov8m", "yolov8l"];
  // 2,500 events of ~200 B per request: under the broker's 1 MiB per record batch
  for (let i = 0; i < labelSets; i += 2_500) {
    const messages = Array.from({ length: Math.min(2_500, labelSets - i) }, (_, j) => ({
      value: JSON.stringify({
        event_id: randomUUID(),
        timestamp: Date.now(),
        camera_id: `camera-${Math.floor((i + j) / 4)}`,
        model_type: models[(i + j) % 4],
        latency_seconds: ((i + j) % 100) / 100,
        num_objects: 3,
        num_groups: 1,
      }),
    }));
    await producer.send({ topic: topics[0], acks: 1, messages });
  }
  await producer.disconnect();
  const group = `bench-restore-${randomUUID()}`;
  const settings = { SERIES_LIMIT: String(2 * labelSets) };
  const first = spawnAggregator(brokers, group, topics, settings);
  await waitUntil(async () => (await committed(admin, group, topics)) >= labelSets, 100);
  first.child.kill("SIGTERM");
  await exited(first.child);
  const changelog = `${group}-${topics[0]}-changelog`;
  const changelogRecords = Number((await admin.fetchTopicOffsets(changelog))[0]?.high ?? 0);
  const opens: number[] = [];
  let rss = 0;
  for (let run = 0; run < 3; run++) {
    const { child } = spawnAggregator(brokers, group, topics, settings);
    const opened = await new Promise<number>((resolve) => {
      let buffer = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const pattern = `"event":"partition_opened","topic":"${topics[0]}".*?"ms":(\\d+)`;
        const match = new RegExp(pattern).exec(buffer);
        if (match) resolve(Number(match[1]));
      });
    });
    opens.push(opened);
    rss = Math.max(rss, peakRssBytes(child.pid as number));
    child.kill("SIGTERM");
    await exited(child);
  }
  await admin.disconnect();
  return { labelSets, changelogRecords, openMs: opens, medianOpenMs: median(opens), peakRssBytes: rss };
}

async function main(): Promise<void> {
  const harness = await startHarnessBroker(log);
  const broker = harness.started;
  const brokers = harness.bootstrap;
  log(`broker: ${harness.choice}`);
  const kafka = new Kafka({ clientId: "bench", brokers: brokers.split(","), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics: [string, string] = [`bench-det-${randomUUID()}`, `bench-llm-${randomUUID()}`];
  await createTopics(admin, topics);
  await admin.disconnect();
  const started = performance.now();
  const bytes = PARTS.has("throughput")
    ? await preload(
        kafka,
        topics,
        new EventGenerator({ cameras: 200, models: 4, keys: 30, invalidRatio: 0, seed: 1 }),
        EVENTS,
      )
    : 0;
  if (bytes > 0) {
    log(
      `preloaded ${EVENTS} events (${(bytes / EVENTS).toFixed(0)} B each) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }

  let previous: string | undefined;
  if (PARTS.has("throughput") && PREVIOUS !== "") {
    log(`building the previous release (${PREVIOUS}) beside this one`);
    previous = buildRevision(PREVIOUS);
  }
  const runs = PARTS.has("throughput") ? await throughput(kafka, brokers, topics, previous) : undefined;
  const medians =
    runs && (Object.fromEntries(CONTENDERS.map((c) => [c, median(runs[c])])) as Record<Contender, number>);
  const scrape = [];
  const fresh = [];
  for (const mode of MODES) {
    if (PARTS.has("scrape")) {
      log(`scrape cost at ~10k and ~100k series, ${mode} state`);
      scrape.push(await scrapeCost(kafka, brokers, 140, mode), await scrapeCost(kafka, brokers, 1_400, mode));
    }
    if (PARTS.has("freshness")) {
      log(`freshness at 20,000 events/s, ${mode} state`);
      fresh.push(await freshness(kafka, brokers, mode));
    }
  }
  if (PARTS.has("restore")) log("restore of a 100,000-label-set changelog partition");
  const restore = PARTS.has("restore") ? await restoreTime(kafka, brokers, 100_000) : undefined;
  await broker?.close();

  const result = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    broker: harness.choice,
    events: EVENTS,
    averageEventBytes: Math.round(bytes / EVENTS),
    runs,
    medianEventsPerSecond: medians,
    ratios: medians && {
      aggregatorToKcat: medians.aggregator / medians.kcat,
      aggregatorToNaive: medians.aggregator / medians.naive,
      aggregatorToKafkajsRaw: medians.aggregator / medians["kafkajs-raw"],
      durableToMemory: medians.aggregator / medians["aggregator-memory"],
      durableToPrevious: previous ? medians.aggregator / medians.previous : undefined,
      memoryToPrevious: previous ? medians["aggregator-memory"] / medians["previous-memory"] : undefined,
    },
    previousRelease: previous ? PREVIOUS : undefined,
    scrape,
    freshness: fresh,
    restore,
  };
  const file = new URL(`bench/results/${result.date.slice(0, 19).replace(/:/g, "-")}.json`, ROOT);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const k = (n: number) => Math.round(n).toLocaleString("en-US");
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const lines = [
    `Machine: ${result.machine.cores} cores (${result.machine.cpu}), ${result.machine.memoryGiB} GiB, Node ${result.machine.node}; ${result.date}`,
  ];
  if (runs && medians && result.ratios) {
    lines.push(
      `${k(EVENTS)} events, ${result.averageEventBytes} B each; median of ${RUNS} runs`,
      "",
      "| contender | events/s (median) | runs |",
      "| --- | --- | --- |",
      ...CONTENDERS.filter((c) => runs[c].length > 0).map(
        (c) => `| ${c} | ${k(medians[c])} | ${runs[c].map(k).join(", ")} |`,
      ),
      "",
      `aggregator (durable) / kcat = ${result.ratios.aggregatorToKcat.toFixed(2)}, / naive = ${result.ratios.aggregatorToNaive.toFixed(2)}, / kafkajs-raw = ${result.ratios.aggregatorToKafkajsRaw.toFixed(2)}, / memory mode = ${result.ratios.durableToMemory.toFixed(2)}`,
    );
    if (previous) {
      lines.push(
        `against the previous release (${PREVIOUS}): durable ${result.ratios.durableToPrevious?.toFixed(3)}, memory ${result.ratios.memoryToPrevious?.toFixed(3)}`,
      );
    }
  }
  if (scrape.length > 0) {
    lines.push(
      "",
      "| state | label sets | series | body plain | body gzip | scrape p50 | scrape p99 (ingesting 5k/s) | peak RSS |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      ...scrape.map(
        (s) =>
          `| ${s.mode} | ${k(s.labelSets)} | ${k(s.series)} | ${mb(s.plainBytes)} | ${mb(s.gzipBytes)} | ${s.scrapeP50Ms.toFixed(1)} ms | ${s.scrapeP99Ms.toFixed(1)} ms | ${mb(s.peakRssBytes)} |`,
      ),
    );
  }
  lines.push(
    "",
    ...fresh.map(
      (f) =>
        `Freshness, ${f.mode} state, at ${k(f.targetRate)} events/s (achieved ${k(f.achievedRate)}/s): p50 ${f.p50Ms.toFixed(0)} ms, p99 ${f.p99Ms.toFixed(0)} ms over ${f.probes} probes`,
    ),
  );
  if (restore) {
    lines.push(
      `Restore of ${k(restore.labelSets)} label sets (${k(restore.changelogRecords)} changelog offsets): ${restore.openMs.map((ms) => `${k(ms)} ms`).join(", ")}; median ${k(restore.medianOpenMs)} ms; peak RSS ${mb(restore.peakRssBytes)}`,
    );
  }
  process.stdout.write([...lines, `Results: ${file.pathname}`, ""].join("\n"));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
