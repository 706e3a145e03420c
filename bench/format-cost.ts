import { Agent, get } from "node:http";
import { gzipSync } from "node:zlib";
import type { Kafka } from "kafkajs";
import { CONTENT_TYPES } from "../src/expose/exposition/exposition-format.js";
import { peakRssBytes, stopAggregator } from "./aggregator-process.js";
import { percentile } from "./bench-report.js";
import { loadedService, steadyLoad } from "./loaded-service.js";

/** What Prometheus asks for: with native histograms on, protobuf first; else OpenMetrics first. */
const ACCEPT = {
  protobuf: `${CONTENT_TYPES.protobuf};q=0.8,application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2`,
  openmetrics:
    "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
} as const;
type Format = keyof typeof ACCEPT;

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One scrape with gzip, timed to the last byte; its compressed size. */
function scrapeOnce(url: string, format: Format): Promise<{ ms: number; gzipBytes: number; type: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    get(url, { headers: { accept: ACCEPT[format], "accept-encoding": "gzip" }, agent }, (response) => {
      let gzipBytes = 0;
      response.on("data", (chunk: Buffer) => {
        gzipBytes += chunk.length;
      });
      response.on("end", () =>
        resolve({
          ms: performance.now() - started,
          gzipBytes,
          type: String(response.headers["content-type"]),
        }),
      );
      response.on("error", reject);
    }).on("error", reject);
  });
}

/**
 * The protobuf exposition beside OpenMetrics text, on one service with
 * `cameras × 4` detection label sets: the first scrape in each format (it
 * writes every series), body sizes, and steady scrapes idle and while
 * ingesting, the formats taking turns so both see the same load.
 */
export async function formatCost(kafka: Kafka, brokers: string, cameras: number, scrapes: number) {
  const service = await loadedService(kafka, brokers, {
    name: "format",
    cameras,
    seed: 3,
    // Room for every label set in each partition: the limit is not what is measured here.
    settings: { STATE_MODE: "durable", SERIES_LIMIT: String(Math.max(10_000, cameras * 4)) },
  });
  const { admin, child, target, labelSets } = service;
  const url = `http://${target}/metrics`;
  const formats: Format[] = ["openmetrics", "protobuf"];
  const plain: Record<Format, number> = { openmetrics: 0, protobuf: 0 };
  const gzipLevel1: Record<Format, number> = { openmetrics: 0, protobuf: 0 };
  for (const format of formats) {
    const body = Buffer.from(await (await fetch(url, { headers: { accept: ACCEPT[format] } })).arrayBuffer());
    plain[format] = body.length;
    gzipLevel1[format] = gzipSync(body, { level: 1 }).length;
  }
  const first: Record<Format, number> = { openmetrics: 0, protobuf: 0 };
  // The fetches above wrote each format once; a fresh service would pay this at its first scrape.
  for (const format of formats) first[format] = (await scrapeOnce(url, format)).ms;
  const idle: Record<Format, number[]> = { openmetrics: [], protobuf: [] };
  for (let i = 0; i < 20; i++)
    for (const format of formats) idle[format].push((await scrapeOnce(url, format)).ms);
  const load = steadyLoad(kafka, service, 5_000);
  const busy: Record<Format, number[]> = { openmetrics: [], protobuf: [] };
  let served = "";
  for (let i = 0; i < scrapes; i++) {
    for (const format of formats) {
      const scrape = await scrapeOnce(url, format);
      busy[format].push(scrape.ms);
      if (format === "protobuf") served = scrape.type;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await load.stop();
  const rss = peakRssBytes(child.pid as number);
  await stopAggregator(child);
  await admin.disconnect();
  return {
    labelSets,
    protobufContentType: served,
    rows: formats.map((format) => ({
      format,
      plainBytes: plain[format],
      gzipBytes: gzipLevel1[format],
      keptScrapeMs: first[format],
      idleP50Ms: percentile(idle[format], 50),
      idleP99Ms: percentile(idle[format], 99),
      busyP50Ms: percentile(busy[format], 50),
      busyP99Ms: percentile(busy[format], 99),
    })),
    peakRssBytes: rss,
  };
}
