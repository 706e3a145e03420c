import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { freePort } from "../../scripts/kafka-harness/kafka-container.js";
import { waitFor } from "./wait-for.js";

/** A real Prometheus server (Debian's `prometheus`) scraping one target. */
export interface PrometheusServer {
  readonly url: string;
  /** Instant query through the HTTP API; the `result` array. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Instant query whose result is native histograms. */
  queryHistograms(
    promql: string,
  ): Promise<{ metric: Record<string, string>; histogram: [number, NativeHistogramValue] }[]>;
  /** Range query (every `stepSeconds` over the last `seconds`); each series' values, or histograms. */
  queryRange(
    promql: string,
    seconds: number,
    stepSeconds: number,
  ): Promise<
    {
      metric: Record<string, string>;
      values?: [number, string][];
      histograms?: [number, NativeHistogramValue][];
    }[]
  >;
  /** Exemplars of the series a selector matches over the last hour, through `query_exemplars`. */
  exemplars(selector: string): Promise<ExemplarResult[]>;
  stop(): Promise<void>;
}

/**
 * A native histogram as the HTTP API gives it: count, sum, and buckets as
 * [boundary rule, lower, upper, count] (rule 0: (lower, upper]; 3: the zero bucket [lower, upper]).
 */
export interface NativeHistogramValue {
  readonly count: string;
  readonly sum: string;
  readonly buckets?: [number, string, string, string][];
}

/** One series' exemplars as `/api/v1/query_exemplars` returns them. */
export interface ExemplarResult {
  readonly seriesLabels: Record<string, string>;
  readonly exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

interface ScrapeConfig {
  job_name: string;
  scrape_interval?: string;
  scrape_timeout?: string;
  static_configs: { targets: string[] }[];
}

/**
 * Starts Prometheus with the repository's `prometheus.yml` and its rules,
 * changed only where a test must: the target (the aggregator on loopback),
 * and a 1 s scrape and rule evaluation interval (and timeout) so the test
 * waits seconds, not minutes. The rules themselves are the repository's,
 * copied with only their groups' `interval` changed.
 */
export async function startPrometheus(
  /** `host:port` of the aggregator, or of each replica. */
  target: string | readonly string[],
  /** Added to every scrape job, e.g. `authorization` or `basic_auth`. */
  jobSettings: Record<string, unknown> = {},
  /** Feature flags, e.g. `exemplar-storage`. */
  features: readonly string[] = [],
): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), "prometheus-e2e-"));
  const config = parse(await readFile(new URL("../../prometheus.yml", import.meta.url), "utf8")) as {
    global: Record<string, string>;
    rule_files?: string[];
    scrape_configs: ScrapeConfig[];
  };
  const rules: string[] = [];
  for (const pattern of config.rule_files ?? []) {
    // Rule paths are relative to the repository's prometheus.yml; this copy lives elsewhere.
    const folder = fileURLToPath(new URL(`../../${dirname(pattern)}/`, import.meta.url));
    for (const file of (await readdir(folder)).filter((f) => f.endsWith(".yml"))) {
      const ruleFile = parse(await readFile(join(folder, file), "utf8")) as {
        groups: { interval?: string }[];
      };
      for (const group of ruleFile.groups) group.interval = "1s";
      rules.push(join(dir, `rules-${file}`));
      await writeFile(join(dir, `rules-${file}`), stringify(ruleFile));
    }
  }
  config.rule_files = rules;
  config.global.evaluation_interval = "1s";
  config.global.scrape_interval = "1s";
  for (const job of config.scrape_configs) {
    job.scrape_interval = "1s";
    job.scrape_timeout = "1s";
    job.static_configs = [{ targets: typeof target === "string" ? [target] : [...target] }];
    Object.assign(job, jobSettings);
  }
  await writeFile(join(dir, "prometheus.yml"), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...features.map((feature) => `--enable-feature=${feature}`),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitFor("Prometheus to be ready", async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
      return (await fetch(`${url}/-/ready`)).ok ? true : undefined;
    });
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${stderr.slice(-2000)}`);
  }
  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { status: string; data: { result: [] }; error?: string };
      if (body.status !== "success") throw new Error(`query ${promql} failed: ${body.error}`);
      return body.data.result;
    },
    async queryHistograms(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { status: string; data: { result: [] }; error?: string };
      if (body.status !== "success") throw new Error(`query ${promql} failed: ${body.error}`);
      return body.data.result;
    },
    async queryRange(promql, seconds, stepSeconds) {
      const end = Date.now() / 1000;
      const response = await fetch(
        `${url}/api/v1/query_range?query=${encodeURIComponent(promql)}&start=${end - seconds}&end=${end}&step=${stepSeconds}`,
      );
      const body = (await response.json()) as { status: string; data: { result: [] }; error?: string };
      if (body.status !== "success") throw new Error(`query_range ${promql} failed: ${body.error}`);
      return body.data.result;
    },
    async exemplars(selector) {
      const end = Date.now() / 1000;
      const response = await fetch(
        `${url}/api/v1/query_exemplars?query=${encodeURIComponent(selector)}&start=${end - 3600}&end=${end + 60}`,
      );
      const body = (await response.json()) as { status: string; data: ExemplarResult[]; error?: string };
      if (body.status !== "success") throw new Error(`query_exemplars ${selector} failed: ${body.error}`);
      return body.data;
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
