import { spawnSync } from "node:child_process";
import { Agent, get } from "node:http";
import { gunzipSync, gzipSync } from "node:zlib";
import type { Kafka } from "kafkajs";
import { type Build, cpuMillis, peakRssBytes, stopAggregator } from "./aggregator-process.js";
import { percentile } from "./bench-report.js";
import { loadedService, steadyLoad } from "./loaded-service.js";

/** What Prometheus sends: OpenMetrics first, and gzip. */
const PROMETHEUS_HEADERS = {
  accept:
    "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
  "accept-encoding": "gzip",
};

/** A sample without labels from a scraped body, e.g. prom-client's `nodejs_eventloop_lag_max_seconds`. */
function sampleOf(body: Buffer, name: string): number | undefined {
  const key = `\n${name} `;
  const at = body.indexOf(key);
  if (at < 0) return undefined;
  const end = body.indexOf("\n", at + key.length);
  return Number(body.toString("latin1", at + key.length, end));
}

/**
 * One scrape as Prometheus makes it, timed from the request to the last byte
 * of the (compressed) body: what the service costs, not the client's
 * decompression. Resolves the time and the body, decompressed after.
 */
function scrapeOnce(url: string): Promise<{ ms: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    get(url, { headers: PROMETHEUS_HEADERS, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const ms = performance.now() - started;
        const raw = Buffer.concat(chunks);
        resolve({ ms, body: response.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw });
      });
      response.on("error", reject);
    }).on("error", reject);
  });
}

const IDLE_SCRAPES = 30;

/**
 * `count` scrapes `intervalMs` apart, start to start (or right after the one
 * before, if it took longer): their latencies, the
 * largest event-loop delay the service saw in each interval (prom-client's
 * monitorEventLoopDelay, reset at each scrape), and the last body.
 */
async function scrapeSeries(url: string, count: number, intervalMs: number) {
  const latencies: number[] = [];
  const delays: number[] = [];
  let last: Buffer = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    const { ms, body } = await scrapeOnce(url);
    latencies.push(ms);
    const delay = sampleOf(body, "nodejs_eventloop_lag_max_seconds");
    if (delay !== undefined) delays.push(delay * 1000);
    last = body;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - ms)));
  }
  return { latencies, delays, last };
}

/** One kept-alive connection, as a Prometheus scrape loop keeps. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/**
 * Scrape latency while ingesting `ingestRate` events/s (5,000 unless told), body sizes, the service's
 * event-loop delay and peak RSS, with `cameras × 4` detection label sets;
 * `promtool check metrics` on the body.
 */
export async function scrapeCost(
  kafka: Kafka,
  brokers: string,
  {
    cameras,
    mode,
    build,
    scrapes,
    ingestRate = 5_000,
    intervalMs = 100,
  }: {
    cameras: number;
    mode: "durable" | "memory";
    build: Build;
    scrapes: number;
    ingestRate?: number;
    intervalMs?: number;
  },
) {
  const service = await loadedService(kafka, brokers, {
    name: "scrape",
    cameras,
    seed: 3,
    // Room for every label set in each partition: the limit is not what is measured here.
    settings: { STATE_MODE: mode, SERIES_LIMIT: String(Math.max(10_000, cameras * 4)) },
    build,
  });
  const { admin, child, target, labelSets } = service;
  const base = `http://${target}`;
  const body = await (await fetch(`${base}/metrics`, { headers: { accept: "text/plain" } })).text();
  const series = body.split("\n").filter((line) => line !== "" && !line.startsWith("#")).length;
  const gzipBytes = gzipSync(body, { level: 1 }).length;
  const promtool = spawnSync("promtool", ["check", "metrics"], { input: body, maxBuffer: 64 * 2 ** 20 });
  const promtoolProblems = `${promtool.stdout}${promtool.stderr}`.trim().split("\n").filter(Boolean);

  // The first scrape in a format writes every series; what is measured is the steady state after it.
  await scrapeOnce(`${base}/metrics`);
  // Idle: no event arrives, so the loop delay is the scrapes' own.
  const idle = await scrapeSeries(`${base}/metrics`, IDLE_SCRAPES, intervalMs);
  // Then while ingesting: scrapes beside commits, changelog writes and the garbage collector.
  const load = steadyLoad(kafka, service, ingestRate);
  const pid = child.pid as number;
  const cpuBefore = cpuMillis(pid);
  const busyStarted = performance.now();
  const busy = await scrapeSeries(`${base}/metrics`, scrapes, intervalMs);
  // The service's whole cost while ingesting and scraped: less tied to when a pause falls than a p99.
  const cpuMsPerSecond = (cpuMillis(pid) - cpuBefore) / ((performance.now() - busyStarted) / 1000);
  await load.stop();
  const rss = peakRssBytes(child.pid as number);
  await stopAggregator(child);
  await admin.disconnect();
  return {
    build: build.name,
    mode,
    labelSets,
    series,
    plainBytes: Buffer.byteLength(body),
    gzipBytes,
    scrapes,
    intervalMs,
    scrapeP50Ms: percentile(busy.latencies, 50),
    scrapeP99Ms: percentile(busy.latencies, 99),
    slowestMs: [...busy.latencies].sort((a, b) => b - a).slice(0, 5),
    // Every ingesting scrape, to 0.01 ms: the report pools them over rounds.
    latenciesMs: busy.latencies.map((ms) => Math.round(ms * 100) / 100),
    cpuMsPerSecond,
    loopDelayP99Ms: percentile(busy.delays, 99),
    loopDelayMaxMs: Math.max(...busy.delays),
    idleScrapeP99Ms: percentile(idle.latencies, 99),
    idleLoopDelayMaxMs: Math.max(...idle.delays),
    peakRssBytes: rss,
    // At the last scrape: what the heap holds, against what the process takes.
    heapUsedBytes: sampleOf(busy.last, "nodejs_heap_size_used_bytes"),
    heapTotalBytes: sampleOf(busy.last, "nodejs_heap_size_total_bytes"),
    externalBytes: sampleOf(busy.last, "nodejs_external_memory_bytes"),
    rssBytes: sampleOf(busy.last, "process_resident_memory_bytes"),
    promtoolExit: promtool.status,
    promtoolProblems,
  };
}
