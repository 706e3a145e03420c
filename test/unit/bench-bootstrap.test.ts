import { describe, expect, it } from "vitest";
import { percentile } from "../../bench/bench-report.js";
import { ratioInterval } from "../../bench/bootstrap.js";

/** `rounds` rounds of 1..n, each value scaled and a round's own offset added. */
function rounds(count: number, n: number, scale: number, offsets: readonly number[]): number[][] {
  return Array.from({ length: count }, (_, r) =>
    Array.from({ length: n }, (_, i) => (i + 1) * scale + (offsets[r] ?? 0)),
  );
}

describe("the bench's bootstrap interval of a ratio", () => {
  const p50 = (x: number[]) => percentile(x, 50);

  it("gives the pooled ratio and an interval holding 1 for the same samples", () => {
    const same = rounds(5, 100, 1, [0, 0, 0, 0, 0]);
    const estimate = ratioInterval(same, same, p50);
    expect(estimate.ratio).toBe(1);
    expect(estimate.low).toBeLessThan(1);
    expect(estimate.high).toBeGreaterThan(1);
  });

  it("finds a 20 % difference when rounds agree", () => {
    const estimate = ratioInterval(rounds(5, 100, 1, []), rounds(5, 100, 1.2, []), p50);
    expect(estimate.ratio).toBe(60 / 50);
    expect(estimate.low).toBeGreaterThan(1.05);
    expect(estimate.high).toBeLessThan(1.4);
  });

  it("widens when rounds differ from one another, where a bootstrap of scrapes alone would not", () => {
    const agreeing = ratioInterval(rounds(5, 100, 1, []), rounds(5, 100, 1, []), p50);
    const offsets = [0, 40, 0, 40, 0];
    const differing = ratioInterval(rounds(5, 100, 1, offsets), rounds(5, 100, 1, offsets), p50);
    expect(differing.high - differing.low).toBeGreaterThan(2 * (agreeing.high - agreeing.low));
  });

  it("is the same interval every time (seeded)", () => {
    const a = rounds(3, 50, 1, [0, 10, 5]);
    const b = rounds(3, 50, 1.1, [5, 0, 10]);
    expect(ratioInterval(a, b, p50)).toEqual(ratioInterval(a, b, p50));
  });
});
