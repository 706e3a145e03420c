/**
 * `npm run bench`: the aggregator against the machine's own limit (kcat),
 * kafkajs doing nothing, the naive consumer and the previous release, on the
 * same preloaded bytes; then scrape cost (10k, 100k and 1M series), freshness
 * and restore, the previous release beside this one where it applies. Writes
 * bench/results/<date>.json and prints Markdown tables for BENCHMARKS.md. Not
 * a test: CI does not run it.
 *
 * Environment: KAFKA_BROKERS (else the test harness starts a broker),
 * BENCH_EVENTS (default 2,000,000), BENCH_RUNS (default 3), BENCH_PREVIOUS
 * (the git revision built beside this checkout and run in the same runs;
 * empty: skipped), BENCH_CURRENT (a revision to measure instead of this
 * checkout, built beside it), BENCH_SCRAPE_ROUNDS (default 3), BENCH_PARTS (a subset of
 * memory,throughput,scrape,million,formats,series,freshness,restore),
 * BENCH_FORMAT_CAMERAS (formats: cameras × 4 label sets, default 25,000).
 */
import "../test/support/process-warnings.js";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { Kafka, logLevel } from "kafkajs";
import { startHarnessBroker } from "../scripts/kafka-harness/broker-chain.js";
import { EventGenerator } from "../src/produce/event-generator.js";
import { type Build, buildRevision, CURRENT, ROOT } from "./aggregator-process.js";
import { createTopics, preload } from "./bench-kafka.js";
import { log, machineInfo, mebibytes, median, thousands } from "./bench-report.js";
import { formatCost } from "./format-cost.js";
import { freshness } from "./freshness.js";
import { ingestedSeries } from "./ingested-series.js";
import { restoreTime } from "./restore-time.js";
import { scrapeLines, scrapeRounds, scrapeSummaries } from "./scrape-rounds.js";
import { seriesMemory } from "./series-memory.js";
import { CONTENDERS, type Contender, throughput } from "./throughput.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000_000);
const PARTS = new Set(
  (process.env.BENCH_PARTS ?? "memory,throughput,scrape,million,formats,series,freshness,restore").split(","),
);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Rounds of the scrape part at 10k and 100k series, builds taking turns to go first. */
const SCRAPE_ROUNDS = Number(process.env.BENCH_SCRAPE_ROUNDS ?? 3);
/**
 * The revision every "previous" figure comes from: the release before the
 * scale work (the metric catalogue). `BENCH_PREVIOUS=dc86451` measured the
 * catalogue against the hand-written aggregation before it.
 */
const PREVIOUS = process.env.BENCH_PREVIOUS ?? "9d6a2a6";
const MODES = ["durable", "memory"] as const;

const k = thousands;
const mb = mebibytes;

async function main(): Promise<void> {
  const harness = await startHarnessBroker(log);
  const brokers = harness.bootstrap;
  log(`broker: ${harness.choice}`);
  const kafka = new Kafka({ clientId: "bench", brokers: brokers.split(","), logLevel: logLevel.NOTHING });
  let previous: Build | undefined;
  if (PREVIOUS !== "") {
    log(`building ${PREVIOUS} beside this checkout`);
    previous = buildRevision(PREVIOUS);
  }
  const builds = [previous, CURRENT].filter((b): b is Build => b !== undefined);

  if (PARTS.has("memory"))
    log("bytes per series: 100,000 label sets of a counter, then of a 12-bucket histogram");
  const memory = PARTS.has("memory") ? seriesMemory(100_000) : undefined;

  let bytes = 0;
  let runs: Record<Contender, number[]> | undefined;
  if (PARTS.has("throughput")) {
    const admin = kafka.admin();
    await admin.connect();
    const topics: [string, string] = [`bench-det-${randomUUID()}`, `bench-llm-${randomUUID()}`];
    await createTopics(admin, topics);
    await admin.disconnect();
    const started = performance.now();
    const generator = new EventGenerator({ cameras: 200, models: 4, keys: 30, invalidRatio: 0, seed: 1 });
    bytes = await preload(kafka, topics, generator, EVENTS);
    log(
      `preloaded ${EVENTS} events (${(bytes / EVENTS).toFixed(0)} B each) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    runs = await throughput(kafka, brokers, topics, { events: EVENTS, runs: RUNS, previous });
  }
  const medians =
    runs && (Object.fromEntries(CONTENDERS.map((c) => [c, median(runs[c])])) as Record<Contender, number>);

  const sizes = [
    ...(PARTS.has("scrape")
      ? [
          { cameras: 140, scrapes: 100, rounds: SCRAPE_ROUNDS },
          { cameras: 1_400, scrapes: 100, rounds: SCRAPE_ROUNDS },
        ]
      : []),
    // A million series: a scrape a second (Prometheus: one every 15 s), each after about a commit's changes.
    ...(PARTS.has("million") ? [{ cameras: 13_900, scrapes: 20, intervalMs: 1_000, rounds: 1 }] : []),
  ];
  const scrape = await scrapeRounds(kafka, brokers, sizes, builds);
  const fresh = [];
  for (const mode of PARTS.has("freshness") ? MODES : []) {
    for (const build of builds) {
      log(`freshness at 20,000 events/s, ${mode} state, ${build.name}`);
      fresh.push(await freshness(kafka, brokers, mode, build));
    }
  }
  if (PARTS.has("formats")) log("protobuf beside OpenMetrics text (BENCH_FORMAT_CAMERAS x 4 label sets)");
  const formatCameras = Number(process.env.BENCH_FORMAT_CAMERAS ?? 25_000);
  const formats = PARTS.has("formats") ? await formatCost(kafka, brokers, formatCameras, 30) : undefined;
  if (PARTS.has("series"))
    log("series a real Prometheus ingests, 2,000 cameras x 4 models, classic and native");
  const ingested = PARTS.has("series") ? await ingestedSeries(kafka, brokers, 2_000) : undefined;
  if (PARTS.has("restore")) log("restore of a 100,000-label-set changelog partition");
  const restore = PARTS.has("restore") ? await restoreTime(kafka, brokers, 100_000) : undefined;
  await harness.started?.close();

  const result = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    broker: harness.choice,
    previous: previous?.name,
    events: EVENTS,
    averageEventBytes: bytes > 0 ? Math.round(bytes / EVENTS) : undefined,
    runs,
    medianEventsPerSecond: medians,
    ratios: medians && {
      aggregatorToKcat: medians.aggregator / medians.kcat,
      aggregatorToNaive: medians.aggregator / medians.naive,
      aggregatorToKafkajsRaw: medians.aggregator / medians["kafkajs-raw"],
      memoryToKafkajsRaw: medians["aggregator-memory"] / medians["kafkajs-raw"],
      durableToMemory: medians.aggregator / medians["aggregator-memory"],
      durableToPrevious: previous ? medians.aggregator / medians.previous : undefined,
      memoryToPrevious: previous ? medians["aggregator-memory"] / medians["previous-memory"] : undefined,
    },
    memory,
    scrape,
    scrapeSummaries: scrapeSummaries(scrape),
    freshness: fresh,
    formats,
    ingested,
    restore,
  };
  const file = new URL(`bench/results/${result.date.slice(0, 19).replace(/:/g, "-")}.json`, `file://${ROOT}`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

  const lines = [
    `Machine: ${result.machine.cores} cores (${result.machine.cpu}), ${result.machine.memoryGiB} GiB, Node ${result.machine.node}; ${result.date}; previous = ${result.previous ?? "none"}`,
  ];
  if (memory) {
    lines.push(
      "",
      "| metric | label sets | series | working state | shown copy | kept text (of which characters) | total per label set | per series |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      ...[memory.counter, memory.histogram].map(
        (m) =>
          `| ${m.kind} | ${k(m.labelSets)} | ${k(m.series)} | ${k(m.bytesPerLabelSet.working)} B | ${k(m.bytesPerLabelSet.shownCopy)} B | ${k(m.bytesPerLabelSet.keptText)} B (${k(m.bytesPerLabelSet.textItself)}) | ${k(m.bytesPerLabelSet.total)} B | ${k(m.bytesPerSeries)} B |`,
      ),
    );
  }
  if (runs && medians && result.ratios) {
    const r = result.ratios;
    lines.push(
      `${k(EVENTS)} events, ${result.averageEventBytes} B each; median of ${RUNS} runs`,
      "",
      "| contender | events/s (median) | runs |",
      "| --- | --- | --- |",
      ...CONTENDERS.filter((c) => runs[c].length > 0).map(
        (c) => `| ${c} | ${k(medians[c])} | ${runs[c].map(k).join(", ")} |`,
      ),
      "",
      `aggregator (durable) / kcat = ${r.aggregatorToKcat.toFixed(2)}, / naive = ${r.aggregatorToNaive.toFixed(2)}, / kafkajs-raw = ${r.aggregatorToKafkajsRaw.toFixed(2)}, / memory mode = ${r.durableToMemory.toFixed(2)}; memory mode / kafkajs-raw = ${r.memoryToKafkajsRaw.toFixed(2)}`,
      ...(previous
        ? [
            `against ${previous.name}: durable ${r.durableToPrevious?.toFixed(3)}, memory ${r.memoryToPrevious?.toFixed(3)}`,
          ]
        : []),
    );
  }
  if (scrape.length > 0) lines.push(...scrapeLines(scrape, previous?.name));
  if (formats) {
    lines.push(
      "",
      `Formats, ${k(formats.labelSets)} label sets (durable, current build; protobuf served as ${formats.protobufContentType}):`,
      "",
      "| format | body plain | gzip (level 1) | first kept scrape | idle p50 / p99 | ingesting 5,000/s p50 / p99 |",
      "| --- | --- | --- | --- | --- | --- |",
      ...formats.rows.map(
        (r) =>
          `| ${r.format} | ${mb(r.plainBytes)} | ${mb(r.gzipBytes)} | ${r.keptScrapeMs.toFixed(1)} ms | ${r.idleP50Ms.toFixed(1)} / ${r.idleP99Ms.toFixed(1)} ms | ${r.busyP50Ms.toFixed(1)} / ${r.busyP99Ms.toFixed(1)} ms |`,
      ),
      `peak RSS with both formats kept: ${mb(formats.peakRssBytes)}`,
    );
  }
  if (ingested) {
    lines.push(
      "",
      `Series a real Prometheus 2.42 ingests, ${k(ingested.cameras)} cameras × ${ingested.models} models (${k(ingested.labelSets)} label sets):`,
      "",
      "| Prometheus | event series | of which detection_latency_seconds | samples per scrape |",
      "| --- | --- | --- | --- |",
      ...ingested.rows.map(
        (r) =>
          `| ${r.prometheus} | ${k(r.eventSeries)} | ${k(r.detectionLatencySeries)} | ${k(r.samplesPerScrape)} |`,
      ),
    );
  }
  for (const f of fresh) {
    lines.push(
      `Freshness, ${f.mode} state, ${f.build}, at ${k(f.targetRate)} events/s (achieved ${k(f.achievedRate)}/s): p50 ${f.p50Ms.toFixed(0)} ms, p99 ${f.p99Ms.toFixed(0)} ms over ${f.probes} probes`,
    );
  }
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
