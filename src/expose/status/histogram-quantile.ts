/**
 * The q-quantile of a bucketed distribution, interpolated linearly inside the
 * bucket as PromQL's `histogram_quantile` does; `undefined` without
 * observations. A quantile in the +Inf bucket answers the highest finite bound.
 *
 * @param bounds finite upper bounds, ascending
 * @param counts per-bucket (not cumulative) counts, one more than `bounds` (+Inf)
 */
export function histogramQuantile(
  q: number,
  bounds: readonly number[],
  counts: ArrayLike<number>,
): number | undefined {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] as number;
  if (total === 0) return undefined;
  const rank = q * total;
  let cumulative = 0;
  for (let i = 0; i < bounds.length; i++) {
    const inBucket = counts[i] as number;
    if (cumulative + inBucket >= rank && inBucket > 0) {
      const lower = i === 0 ? 0 : (bounds[i - 1] as number);
      const upper = bounds[i] as number;
      return lower + ((upper - lower) * (rank - cumulative)) / inBucket;
    }
    cumulative += inBucket;
  }
  return bounds[bounds.length - 1];
}
