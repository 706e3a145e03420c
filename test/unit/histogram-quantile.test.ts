import { describe, expect, it } from "vitest";
import { histogramQuantile } from "../../src/expose/status/histogram-quantile.js";

describe("histogramQuantile", () => {
  const bounds = [0.1, 0.5, 1];

  it("interpolates inside the bucket as PromQL does", () => {
    expect(histogramQuantile(0.5, bounds, [0, 10, 0, 0])).toBeCloseTo(0.3, 12);
    expect(histogramQuantile(0.95, bounds, [0, 0, 10, 0])).toBeCloseTo(0.975, 12);
    expect(histogramQuantile(0.5, bounds, [5, 5, 0, 0])).toBeCloseTo(0.1, 12);
  });

  it("answers the highest bound for the +Inf bucket, and nothing without data", () => {
    expect(histogramQuantile(0.99, bounds, [0, 0, 0, 4])).toBe(1);
    expect(histogramQuantile(0.5, bounds, [0, 0, 0, 0])).toBeUndefined();
  });
});
