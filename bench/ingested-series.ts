import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kafka } from "kafkajs";
import { stopAggregator, waitUntil } from "./aggregator-process.js";
import { loadedService } from "./loaded-service.js";

const EVENT_SERIES = '{__name__=~"detection_.*|camera_.*|llm_.*|api_key_.*"}';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A Prometheus (Debian's) scraping `target` every second, with the given feature flags. */
async function prometheus(target: string, features: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "bench-prometheus-"));
  writeFileSync(
    join(dir, "prometheus.yml"),
    `global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: metrics-aggregator\n    static_configs: [{targets: ["${target}"]}]\n`,
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...features.map((f) => `--enable-feature=${f}`),
    ],
    { stdio: "ignore" },
  );
  await waitUntil(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok;
    } catch {
      return false;
    }
  }, 200);
  const query = async (promql: string) => {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { data?: { result: { value: [number, string] }[] } };
    return Number(body.data?.result[0]?.value[1] ?? Number.NaN);
  };
  return {
    query,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The series a real Prometheus ingests from one service holding `cameras ×
 * 4` detection label sets: as it scrapes without native histograms (text:
 * classic buckets), then with them (protobuf: one series per histogram).
 */
export async function ingestedSeries(kafka: Kafka, brokers: string, cameras: number) {
  const { admin, child, target, labelSets } = await loadedService(kafka, brokers, {
    name: "series",
    cameras,
    seed: 5,
    settings: { SERIES_LIMIT: "100000" },
  });
  const rows = [];
  for (const [name, features] of [
    ["classic (text)", []],
    ["native (protobuf)", ["native-histograms"]],
  ] as const) {
    const server = await prometheus(target, [...features]);
    let event = Number.NaN;
    await waitUntil(async () => {
      event = await server.query(`count(${EVENT_SERIES})`);
      return Number.isFinite(event) && event > 0;
    }, 500);
    const latency = await server.query(
      'count({__name__=~"detection_latency_seconds|detection_latency_seconds_bucket|detection_latency_seconds_sum|detection_latency_seconds_count"})',
    );
    const samples = await server.query("max(scrape_samples_scraped)");
    rows.push({
      prometheus: name,
      eventSeries: event,
      detectionLatencySeries: latency,
      samplesPerScrape: samples,
    });
    await server.stop();
  }
  await stopAggregator(child);
  await admin.disconnect();
  return { cameras, models: 4, labelSets, rows };
}
