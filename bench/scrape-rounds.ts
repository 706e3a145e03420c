import type { Kafka } from "kafkajs";
import type { Build } from "./aggregator-process.js";
import { log, mebibytes, median, thousands } from "./bench-report.js";
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

/** The median of each figure over the rounds of one build, mode and size. */
export function scrapeMedians(results: readonly ScrapeResult[]) {
  const groups = new Map<string, ScrapeResult[]>();
  for (const r of results) {
    const key = `${r.mode}/${r.labelSets}/${r.build}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((runs) => {
    const of = (figure: (r: ScrapeResult) => number) => median(runs.map(figure));
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
      scrapeP50Ms: of((r) => r.scrapeP50Ms),
      scrapeP99Ms: of((r) => r.scrapeP99Ms),
      scrapeP99EachMs: runs.map((r) => r.scrapeP99Ms),
      cpuMsPerSecond: of((r) => r.cpuMsPerSecond),
      loopDelayP99Ms: of((r) => r.loopDelayP99Ms),
      loopDelayMaxMs: of((r) => r.loopDelayMaxMs),
      peakRssBytes: of((r) => r.peakRssBytes),
      promtoolClean: runs.every((r) => r.promtoolExit === 0 && r.promtoolProblems.length === 0),
    };
  });
}

const k = thousands;
const mb = mebibytes;
const ratio = (after: number, before: number) => (after / before).toFixed(2);

/** The Markdown the report prints: medians per build, then current ÷ previous. */
export function scrapeLines(results: readonly ScrapeResult[], previous: string | undefined): string[] {
  const medians = scrapeMedians(results);
  const lines = [
    "",
    "Medians over each build's rounds (ingesting 5,000 events/s unless idle):",
    "",
    "| state | build | label sets | series | body plain / gzip | rounds | idle scrape p99 | scrape p50 | scrape p99 (each round) | service CPU | loop delay p99 / max | peak RSS | promtool |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...medians.map(
      (m) =>
        `| ${m.mode} | ${m.build} | ${k(m.labelSets)} | ${k(m.series)} | ${mb(m.plainBytes)} / ${mb(m.gzipBytes)} | ${m.rounds} | ${m.idleScrapeP99Ms.toFixed(1)} ms | ${m.scrapeP50Ms.toFixed(1)} ms | ${m.scrapeP99Ms.toFixed(1)} ms (${m.scrapeP99EachMs.map((v) => v.toFixed(1)).join(", ")}) | ${k(m.cpuMsPerSecond)} ms/s | ${m.loopDelayP99Ms.toFixed(1)} / ${m.loopDelayMaxMs.toFixed(1)} ms | ${mb(m.peakRssBytes)} | ${m.promtoolClean ? "clean" : "problems"} |`,
    ),
  ];
  if (previous === undefined) return lines;
  lines.push(
    "",
    "Current ÷ previous, same mode and size, medians: scrape p50, scrape p99, service CPU, peak RSS:",
  );
  for (const after of medians.filter((m) => m.build !== previous)) {
    const before = medians.find(
      (m) => m.build === previous && m.mode === after.mode && m.labelSets === after.labelSets,
    );
    if (before) {
      lines.push(
        `- ${after.mode}, ${k(after.series)} series (${after.rounds} rounds): p50 ${ratio(after.scrapeP50Ms, before.scrapeP50Ms)}, p99 ${ratio(after.scrapeP99Ms, before.scrapeP99Ms)}, CPU ${ratio(after.cpuMsPerSecond, before.cpuMsPerSecond)}, RSS ${ratio(after.peakRssBytes, before.peakRssBytes)}`,
      );
    }
  }
  return lines;
}
