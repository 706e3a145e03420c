import type { Kafka } from "kafkajs";
import type { Build } from "./aggregator-process.js";
import { log, mebibytes, median, percentile, thousands } from "./bench-report.js";
import { type RatioEstimate, ratioInterval } from "./bootstrap.js";
import { scrapeCost } from "./scrape-cost.js";

export type ScrapeResult = Awaited<ReturnType<typeof scrapeCost>> & { readonly round: number };

export interface ScrapeSize {
  readonly cameras: number;
  readonly scrapes: number;
  readonly intervalMs?: number;
  /** How many times each build is measured at this size. */
  readonly rounds: number;
}

const MODES = ["durable", "memory"] as const;

/**
 * Scrape cost of each build at each size and mode, in rounds whose order
 * alternates (previous then current, current then previous, …): one build
 * always measured first would carry whatever drifts in the machine and the
 * broker during a pair. The p99 of 100 scrapes is their one or two slowest,
 * which move by ±40 % between runs of the same build here; the medians over
 * rounds, and the service's CPU time, are what a comparison reads.
 */
export async function scrapeRounds(
  kafka: Kafka,
  brokers: string,
  sizes: readonly ScrapeSize[],
  builds: readonly Build[],
): Promise<ScrapeResult[]> {
  const results: ScrapeResult[] = [];
  for (const mode of MODES) {
    for (const size of sizes) {
      for (let round = 0; round < size.rounds; round++) {
        const order = round % 2 === 0 ? builds : [...builds].reverse();
        for (const build of order) {
          log(
            `scrape cost, ${size.cameras * 4} label sets, ${mode} state, ${build.name}, round ${round + 1}`,
          );
          results.push({ ...(await scrapeCost(kafka, brokers, { ...size, mode, build })), round });
        }
      }
    }
  }
  return results;
}

/** The results of one build, mode and size, in round order. */
function groups(results: readonly ScrapeResult[]): ScrapeResult[][] {
  const byKey = new Map<string, ScrapeResult[]>();
  for (const r of results) {
    const key = `${r.mode}/${r.labelSets}/${r.build}`;
    const group = byKey.get(key);
    if (group) group.push(r);
    else byKey.set(key, [r]);
  }
  return [...byKey.values()];
}

/**
 * Each build, mode and size over its rounds: scrape percentiles of every
 * ingesting scrape pooled, the rest the median of the rounds.
 */
export function scrapeSummaries(results: readonly ScrapeResult[]) {
  return groups(results).map((runs) => {
    const of = (figure: (r: ScrapeResult) => number) => median(runs.map(figure));
    const pooled = runs.flatMap((r) => r.latenciesMs);
    const first = runs[0] as ScrapeResult;
    return {
      mode: first.mode,
      build: first.build,
      labelSets: first.labelSets,
      series: first.series,
      plainBytes: first.plainBytes,
      gzipBytes: first.gzipBytes,
      rounds: runs.length,
      idleScrapeP99Ms: of((r) => r.idleScrapeP99Ms),
      idleLoopDelayMaxMs: of((r) => r.idleLoopDelayMaxMs),
      scrapeP50Ms: percentile(pooled, 50),
      scrapeP99Ms: percentile(pooled, 99),
      scrapeP99EachMs: runs.map((r) => r.scrapeP99Ms),
      cpuMsPerSecond: of((r) => r.cpuMsPerSecond),
      loopDelayP99Ms: of((r) => r.loopDelayP99Ms),
      loopDelayMaxMs: of((r) => r.loopDelayMaxMs),
      peakRssBytes: of((r) => r.peakRssBytes),
      heapUsedBytes: of((r) => r.heapUsedBytes ?? 0),
      heapTotalBytes: of((r) => r.heapTotalBytes ?? 0),
      externalBytes: of((r) => r.externalBytes ?? 0),
      promtoolClean: runs.every((r) => r.promtoolExit === 0 && r.promtoolProblems.length === 0),
    };
  });
}

/** Current ÷ previous at each mode and size, with 95 % intervals from a bootstrap over rounds and scrapes. */
export function scrapeRatios(results: readonly ScrapeResult[], previous: string) {
  const all = groups(results);
  return all.flatMap((after) => {
    const a = after[0] as ScrapeResult;
    const before = all.find(
      (g) => g[0]?.build === previous && g[0].mode === a.mode && g[0].labelSets === a.labelSets,
    );
    if (a.build === previous || before === undefined) return [];
    const latencies = (runs: ScrapeResult[]) => runs.map((r) => r.latenciesMs);
    const cpu = (runs: ScrapeResult[]) => runs.map((r) => [r.cpuMsPerSecond]);
    return [
      {
        mode: a.mode,
        series: a.series,
        rounds: after.length,
        p50: ratioInterval(latencies(before), latencies(after), (x) => percentile(x, 50)),
        p99: ratioInterval(latencies(before), latencies(after), (x) => percentile(x, 99)),
        cpu: ratioInterval(cpu(before), cpu(after), median),
        rss: median(after.map((r) => r.peakRssBytes)) / median(before.map((r) => r.peakRssBytes)),
      },
    ];
  });
}

const k = thousands;
const mb = mebibytes;
const interval = (e: RatioEstimate) => `${e.ratio.toFixed(2)} (${e.low.toFixed(2)}–${e.high.toFixed(2)})`;

/** The Markdown the report prints: each build over its rounds, then current ÷ previous. */
export function scrapeLines(results: readonly ScrapeResult[], previous: string | undefined): string[] {
  const lines = [
    "",
    "Each build over its rounds, ingesting 5,000 events/s unless idle (scrape p50/p99: every ingesting scrape of the rounds pooled; the rest: median of the rounds):",
    "",
    "| state | build | label sets | series | body plain / gzip | rounds | idle: scrape p99, loop delay max | scrape p50 | scrape p99 (each round's) | service CPU | loop delay p99 / max | peak RSS | heap used / total, external at the end | promtool |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...scrapeSummaries(results).map(
      (m) =>
        `| ${m.mode} | ${m.build} | ${k(m.labelSets)} | ${k(m.series)} | ${mb(m.plainBytes)} / ${mb(m.gzipBytes)} | ${m.rounds} | ${m.idleScrapeP99Ms.toFixed(1)} ms, ${m.idleLoopDelayMaxMs.toFixed(1)} ms | ${m.scrapeP50Ms.toFixed(1)} ms | ${m.scrapeP99Ms.toFixed(1)} ms (${m.scrapeP99EachMs.map((v) => v.toFixed(1)).join(", ")}) | ${k(m.cpuMsPerSecond)} ms/s | ${m.loopDelayP99Ms.toFixed(1)} / ${m.loopDelayMaxMs.toFixed(1)} ms | ${mb(m.peakRssBytes)} | ${mb(m.heapUsedBytes)} / ${mb(m.heapTotalBytes)}, ${mb(m.externalBytes)} | ${m.promtoolClean ? "clean" : "problems"} |`,
    ),
  ];
  if (previous === undefined) return lines;
  lines.push(
    "",
    "Current ÷ previous, same mode and size (95 % interval, bootstrap over rounds, then scrapes): scrape p50, scrape p99, service CPU; peak RSS:",
  );
  for (const r of scrapeRatios(results, previous)) {
    lines.push(
      `- ${r.mode}, ${k(r.series)} series (${r.rounds} rounds): p50 ${interval(r.p50)}, p99 ${interval(r.p99)}, CPU ${interval(r.cpu)}; RSS ${r.rss.toFixed(2)}`,
    );
  }
  return lines;
}
