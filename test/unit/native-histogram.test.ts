import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HistogramColumn } from "../../src/aggregate/histogram-column.js";
import {
  bucketFactor,
  bucketIndex,
  bucketUpperBound,
  MAX_SCHEMA,
  MIN_SCHEMA,
  schemaForFactor,
} from "../../src/aggregate/native-buckets.js";
import type { NativeReading, NativeSpec } from "../../src/aggregate/native-histogram.js";
import { TableDefinition } from "../../src/aggregate/table-definition.js";
import { histogramQuantile } from "../../src/expose/status/histogram-quantile.js";
import { NativeMerge } from "../../src/expose/status/native-merge.js";
import { decodeRecord, encodeValues } from "../../src/state/changelog/changelog-codec.js";

const SPEC: NativeSpec = { schema: 3, zeroThreshold: 2 ** -128, maxBuckets: 160 };

/** A histogram of its own: the column, its entry, and `observe`. */
function histogram(spec: NativeSpec = SPEC, bounds: number[] = []) {
  const column = new HistogramColumn(bounds, false, spec);
  const values = new Float64Array(column.slots);
  column.init(values, 0);
  return {
    column,
    values,
    observe: (...xs: number[]) => {
      for (const x of xs) column.observe(values, 0, x);
    },
    native: () => {
      const reading = column.reading(values, 0).native;
      if (reading === undefined) throw new Error("no native part");
      return { ...reading, counts: [...reading.counts] };
    },
  };
}

describe("native bucket arithmetic", () => {
  it("puts values in the buckets Prometheus defines: (base^(k-1), base^k], upper bound inclusive", () => {
    expect(bucketIndex(1, 3)).toBe(0);
    expect(bucketIndex(2, 3)).toBe(8);
    expect(bucketIndex(0.5, 3)).toBe(-8);
    expect(bucketIndex(bucketUpperBound(1, 3), 3)).toBe(1);
    expect(bucketIndex(1.1, 3)).toBe(2);
    expect([1, 2, 3, 4, 5].map((v) => bucketIndex(v, 0))).toEqual([0, 1, 2, 2, 3]);
    expect([1, 2, 4, 5, 16, 17].map((v) => bucketIndex(v, -1))).toEqual([0, 1, 1, 2, 2, 3]);
    expect(bucketIndex(2 ** -1074, 0)).toBe(-1074);
  });

  it("keeps every value inside its bucket's bounds at every schema", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 2 ** -120, max: 2 ** 120, noNaN: true }),
        fc.integer({ min: MIN_SCHEMA, max: MAX_SCHEMA }),
        (value, schema) => {
          const k = bucketIndex(value, schema);
          expect(value).toBeLessThanOrEqual(bucketUpperBound(k, schema) * (1 + 1e-15));
          expect(value).toBeGreaterThan(bucketUpperBound(k - 1, schema) * (1 - 1e-15));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("picks the schema client_golang picks for a bucket factor", () => {
    expect(schemaForFactor(1.1)).toBe(3);
    expect(schemaForFactor(1.0905)).toBe(4);
    expect(schemaForFactor(2)).toBe(0);
    expect(schemaForFactor(1.00001)).toBe(8);
    expect(schemaForFactor(1e300)).toBe(-4);
    expect(bucketFactor(3)).toBeCloseTo(1.0905077, 6);
  });
});

describe("a native histogram's state", () => {
  it("counts values at or below the zero threshold in the zero bucket and the rest in a window", () => {
    const h = histogram();
    h.observe(0, 0, 1, 1, 2, 0.5);
    expect(h.native()).toEqual({
      schema: 3,
      zeroThreshold: SPEC.zeroThreshold,
      zeroCount: 2,
      low: -8,
      counts: [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1],
    });
  });

  it("halves its resolution when latencies spread over 12 orders of magnitude, exactly as if it had started there", () => {
    const values = Array.from({ length: 2000 }, (_, i) => 10 ** (-6 + (12 * ((i * 7919) % 2000)) / 2000));
    const h = histogram();
    h.observe(...values);
    const spread = h.native();
    expect(spread.schema).toBe(2);
    expect(spread.counts.length).toBeLessThanOrEqual(SPEC.maxBuckets);
    expect(spread.counts.reduce((a, b) => a + b, 0) + spread.zeroCount).toBe(values.length);
    const direct = histogram({ ...SPEC, schema: 2 });
    direct.observe(...values);
    expect(spread).toEqual(direct.native());
    // Whatever the order of the values, the same buckets.
    const reversed = histogram();
    reversed.observe(...[...values].reverse());
    expect(reversed.native()).toEqual(spread);
  });

  it("reads back from the changelog as it was and goes on with the same buckets", () => {
    const before = histogram();
    before.observe(0.003, 0.02, 1e-7, 250, 0.004);
    const record = decodeRecord('["t"]', encodeValues("0000abcd", before.values));
    if (record.type !== "entry" || record.values === null) throw new Error("not an entry");
    const after = histogram();
    after.values.set(record.values);
    expect(after.native()).toEqual(before.native());
    before.observe(1e6, 0.5);
    after.observe(1e6, 0.5);
    expect(after.native()).toEqual(before.native());
    expect([...after.values]).toEqual([...before.values]);
  });

  it("keeps a classic histogram's counts when native buckets are added to it: no reset", () => {
    const bounds = [0.01, 0.1, 1];
    const classic = new TableDefinition("t", ["a"], { h: new HistogramColumn(bounds) });
    const state = classic.newValues();
    for (const x of [0.005, 0.05, 0.05, 0.5, 7]) classic.columns.h.observe(state, classic.offsets.h, x);
    const both = new TableDefinition("t", ["a"], { h: new HistogramColumn(bounds, false, SPEC) });
    const migrated = both.fromLayout(classic.layout, state);
    const reading = both.columns.h.reading(migrated, both.offsets.h);
    expect([...reading.counts]).toEqual([1, 2, 1, 1]);
    expect(reading.count).toBe(5);
    expect(reading.sum).toBeCloseTo(7.605, 12);
    const native = reading.native;
    const nativeTotal = [...(native?.counts ?? [])].reduce((a, b) => a + b, 0) + (native?.zeroCount ?? 0);
    expect(nativeTotal).toBe(5);
    // Each earlier observation sits in the native bucket of its classic bucket's upper bound.
    const at = (value: number) => native?.counts[bucketIndex(value, 3) - (native?.low ?? 0)];
    expect([at(0.01), at(0.1), at(1)]).toEqual([1, 2, 1]);
    expect(at(bucketUpperBound(bucketIndex(1, 3) + 1, 3))).toBe(1);
  });
});

describe("native buckets on the status page", () => {
  it("adds series of different schemas at the coarsest, and its p95 lies in the bucket of the true p95", () => {
    const fine = histogram();
    const coarse = histogram({ ...SPEC, schema: 1 });
    const values = Array.from({ length: 1000 }, (_, i) => 0.001 * 1.007 ** i);
    fine.observe(...values.slice(0, 500));
    coarse.observe(...values.slice(500));
    const merge = new NativeMerge();
    merge.add(fine.column.reading(fine.values, 0).native as NativeReading);
    merge.add(coarse.column.reading(coarse.values, 0).native as NativeReading);
    const { bounds, counts } = merge.buckets();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
    // Consecutive buckets of schema 1 after the zero bucket: each bound √2 times the one before.
    for (let i = 2; i < bounds.length; i++)
      expect((bounds[i] as number) / (bounds[i - 1] as number)).toBeCloseTo(Math.SQRT2, 12);
    const p95 = histogramQuantile(0.95, bounds, counts) as number;
    const truth = values[949] as number;
    const k = bucketIndex(truth, 1);
    expect(p95).toBeGreaterThan(bucketUpperBound(k - 1, 1));
    expect(p95).toBeLessThanOrEqual(bucketUpperBound(k, 1));
  });
});
