import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** What a label set costs in memory, by part, and per exposed series. */
export interface SeriesMemory {
  readonly kind: "counter" | "histogram";
  readonly labelSets: number;
  readonly series: number;
  readonly bytesPerLabelSet: {
    readonly working: number;
    readonly shownCopy: number;
    readonly keptText: number;
    readonly textItself: number;
    readonly total: number;
  };
  readonly bytesPerSeries: number;
}

/**
 * Bytes per label set and per series of a counter and of a 12-bucket
 * histogram, measured in a process of its own (`--expose-gc`, so each figure
 * is what stays after a full collection): the working state, the shown copy
 * a publish makes, and the text kept for `/metrics`.
 */
export function seriesMemory(labelSets: number): { counter: SeriesMemory; histogram: SeriesMemory } {
  const probe = fileURLToPath(new URL("./series-memory-probe.ts", import.meta.url));
  const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", probe, String(labelSets)], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`series memory probe failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1) as string);
}
