import type { EventFamilies } from "../../aggregate/event-families.js";
import type { HistogramFamily, ScalarFamily } from "../../aggregate/metric-family.js";
import { yieldToEventLoop } from "../../util/yield-to-event-loop.js";
import { NativeMerge } from "./native-merge.js";

/**
 * Readings of the families the catalogue's `status` section names, merged
 * over partitions and the other labels. The names and labels come from the
 * catalogue, which checked at start that they exist with that type.
 */

/** Series read between two yields to the event loop: reading a million series must not hold a scrape or a heartbeat. */
const SERIES_PER_SLICE = 5_000;

/** Visits each series, yielding to the event loop every {@link SERIES_PER_SLICE}. */
async function eachSeries<S>(series: Iterable<S>, visit: (series: S) => void): Promise<void> {
  let read = 0;
  for (const one of series) {
    visit(one);
    if (++read % SERIES_PER_SLICE === 0) await yieldToEventLoop();
  }
}

/** Bucket counts of a histogram summed over series. */
export interface MergedHistogram {
  readonly bounds: readonly number[];
  readonly counts: number[];
}

export function scalarFamily(families: EventFamilies, name: string): ScalarFamily | undefined {
  const family = families.byName(name);
  return family && family.type !== "histogram" ? family : undefined;
}

export function histogramFamily(families: EventFamilies, name: string): HistogramFamily | undefined {
  const family = families.byName(name);
  return family?.type === "histogram" ? family : undefined;
}

/** Sums a family's values by one label (all series under "" without a label), optionally only series `where` holds. */
export async function sumBy(
  family: ScalarFamily | undefined,
  label: string | undefined,
  where?: (labelOf: (name: string) => string | undefined) => boolean,
): Promise<Map<string, number>> {
  const sums = new Map<string, number>();
  if (!family) return sums;
  const index = (name: string) => family.labelNames.indexOf(name);
  const at = label === undefined ? -1 : index(label);
  await eachSeries(family.series(), ({ labels, value }) => {
    if (where && !where((name) => labels[index(name)])) return;
    const key = at < 0 ? "" : (labels[at] as string);
    sums.set(key, (sums.get(key) ?? 0) + value);
  });
  return sums;
}

/** The largest value per label value (a newest timestamp). */
export async function maxBy(family: ScalarFamily | undefined, label: string): Promise<Map<string, number>> {
  const maxima = new Map<string, number>();
  if (!family) return maxima;
  const at = family.labelNames.indexOf(label);
  await eachSeries(family.series(), ({ labels, value }) => {
    const key = labels[at] as string;
    maxima.set(key, Math.max(value, maxima.get(key) ?? value));
  });
  return maxima;
}

/**
 * Histograms merged per label value: bucket counts added; native buckets
 * when the histogram has them (finer than any classic layout).
 */
export async function histogramsBy(
  family: HistogramFamily | undefined,
  label: string,
): Promise<Map<string, MergedHistogram>> {
  const merged = new Map<string, MergedHistogram>();
  if (!family) return merged;
  const at = family.labelNames.indexOf(label);
  const natives = new Map<string, NativeMerge>();
  await eachSeries(family.series(), ({ labels, histogram }) => {
    const key = labels[at] as string;
    if (histogram.native) {
      let native = natives.get(key);
      if (native === undefined) {
        native = new NativeMerge();
        natives.set(key, native);
      }
      native.add(histogram.native);
      return;
    }
    let sum = merged.get(key);
    if (sum === undefined) {
      sum = { bounds: histogram.bounds, counts: new Array<number>(histogram.counts.length).fill(0) };
      merged.set(key, sum);
    }
    for (let i = 0; i < histogram.counts.length; i++) {
      sum.counts[i] = (sum.counts[i] as number) + (histogram.counts[i] as number);
    }
  });
  for (const [key, native] of natives) merged.set(key, native.buckets());
  return merged;
}
