import { bucketUpperBound, halvedIndex } from "../../aggregate/native-buckets.js";
import type { NativeReading } from "../../aggregate/native-histogram.js";

/**
 * Native histograms of several series added up as PromQL's `sum` does: at
 * the coarsest schema among them (a bucket of a finer schema lies inside
 * exactly one bucket of a coarser one). Given back as consecutive bucket
 * bounds and counts, the zero bucket first, which the status page's
 * quantile reads like classic buckets — with buckets 9 % wide instead of 12
 * chosen in advance.
 */
export class NativeMerge {
  private readonly readings: NativeReading[] = [];

  add(reading: NativeReading): void {
    this.readings.push(reading);
  }

  buckets(): { bounds: number[]; counts: number[] } {
    let schema = Number.POSITIVE_INFINITY;
    for (const r of this.readings) schema = Math.min(schema, r.schema);
    let zeroCount = 0;
    let zeroThreshold = 0;
    const byIndex = new Map<number, number>();
    for (const r of this.readings) {
      zeroCount += r.zeroCount;
      zeroThreshold = Math.max(zeroThreshold, r.zeroThreshold);
      for (let i = 0; i < r.counts.length; i++) {
        const count = r.counts[i] as number;
        if (count === 0) continue;
        let index = r.low + i;
        for (let s = r.schema; s > schema; s--) index = halvedIndex(index);
        byIndex.set(index, (byIndex.get(index) ?? 0) + count);
      }
    }
    const bounds = [zeroThreshold];
    const counts = [zeroCount];
    if (byIndex.size > 0) {
      const indexes = [...byIndex.keys()];
      const first = Math.min(...indexes);
      const last = Math.max(...indexes);
      // Consecutive buckets, empty ones too: a quantile interpolates from a bucket's own lower bound.
      if (first > 0 || bucketUpperBound(first - 1, schema) > zeroThreshold) {
        bounds.push(bucketUpperBound(first - 1, schema));
        counts.push(0);
      }
      for (let k = first; k <= last; k++) {
        bounds.push(bucketUpperBound(k, schema));
        counts.push(byIndex.get(k) ?? 0);
      }
    }
    // The classic shape: one more count than bounds (an empty +Inf bucket).
    counts.push(0);
    return { bounds, counts };
  }
}
