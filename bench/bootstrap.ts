/**
 * How sure a ratio between two builds is: a bootstrap over rounds, then over
 * the samples within each round (rounds differ from one another more than
 * scrapes within a round do, so resampling scrapes alone would claim too
 * much). Seeded, so a report's intervals follow from its results file.
 */

import { prng } from "../src/produce/event-generator.js";

/** The samples of `rounds` drawn again: as many rounds with replacement, each one's samples with replacement. */
function resample(rounds: readonly (readonly number[])[], random: () => number): number[] {
  const pooled: number[] = [];
  for (let r = 0; r < rounds.length; r++) {
    const round = rounds[Math.floor(random() * rounds.length)] as readonly number[];
    for (let i = 0; i < round.length; i++) pooled.push(round[Math.floor(random() * round.length)] as number);
  }
  return pooled;
}

export interface RatioEstimate {
  /** statistic(after, pooled) ÷ statistic(before, pooled). */
  readonly ratio: number;
  /** The 2.5th and 97.5th percentiles of the resampled ratios. */
  readonly low: number;
  readonly high: number;
}

/** after ÷ before of `statistic` over each build's pooled samples, with a 95 % bootstrap interval. */
export function ratioInterval(
  before: readonly (readonly number[])[],
  after: readonly (readonly number[])[],
  statistic: (pooled: number[]) => number,
  iterations = 2_000,
): RatioEstimate {
  const random = prng(1);
  const ratios: number[] = [];
  for (let i = 0; i < iterations; i++) {
    ratios.push(statistic(resample(after, random)) / statistic(resample(before, random)));
  }
  ratios.sort((a, b) => a - b);
  return {
    ratio: statistic(after.flat()) / statistic(before.flat()),
    low: ratios[Math.floor(iterations * 0.025)] as number,
    high: ratios[Math.ceil(iterations * 0.975) - 1] as number,
  };
}
