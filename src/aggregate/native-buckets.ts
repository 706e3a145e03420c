/**
 * The bucket arithmetic of Prometheus native histograms, pure and exact.
 *
 * At schema `s` the buckets grow by a factor `2^(2^-s)`; bucket `k` holds the
 * values in `(base^(k-1), base^k]`. Schema 3 (factor 1.0905) is the common
 * client_golang choice. Lowering the schema by one merges buckets `2j-1` and
 * `2j` into bucket `j`: that is how a histogram whose values spread too far
 * stays within its bucket limit, and it is exact (no observation changes
 * side of a boundary).
 */
export const MIN_SCHEMA = -4;
export const MAX_SCHEMA = 8;

/** The schema client_golang picks for a bucket factor: the coarsest one at least as fine. */
export function schemaForFactor(factor: number): number {
  const floor = Math.floor(Math.log2(Math.log2(factor)));
  if (floor <= -MAX_SCHEMA) return MAX_SCHEMA;
  if (floor >= -MIN_SCHEMA) return MIN_SCHEMA;
  return 0 - floor;
}

/** The largest ratio between a value and its bucket's upper bound at a schema: the quantiles' relative error. */
export function bucketFactor(schema: number): number {
  return 2 ** (2 ** -schema);
}

const frexpScratch = new Float64Array(1);
const frexpWords = new Uint32Array(frexpScratch.buffer);
/** The exponent `frexp` returns with the fraction it writes to {@link frexpScratch}. */
function frexp(value: number): number {
  frexpScratch[0] = value;
  const high = frexpWords[1] as number;
  const biased = (high >>> 20) & 0x7ff;
  if (biased === 0) {
    // Subnormal: scale into the normal range first (exact, a power of two).
    return frexp(value * 2 ** 64) - 64;
  }
  frexpWords[1] = (high & 0x800fffff) | (1022 << 20);
  return biased - 1022;
}

/** Fractions in [0.5, 1) where the buckets of one power of two end, per positive schema. */
const fractionBounds = new Map<number, Float64Array>();
function boundsOf(schema: number): Float64Array {
  let bounds = fractionBounds.get(schema);
  if (bounds === undefined) {
    const per = 2 ** schema;
    bounds = new Float64Array(per);
    for (let i = 0; i < per; i++) bounds[i] = 2 ** (i / per - 1);
    fractionBounds.set(schema, bounds);
  }
  return bounds;
}

/** The index of the bucket a positive, finite value falls in at `schema`. */
export function bucketIndex(value: number, schema: number): number {
  const exp = frexp(value);
  const fraction = frexpScratch[0] as number;
  if (schema > 0) {
    const bounds = boundsOf(schema);
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((bounds[mid] as number) < fraction) lo = mid + 1;
      else hi = mid;
    }
    return lo + (exp - 1) * bounds.length;
  }
  // A power of two ends a bucket at schema 0; coarser schemas merge 2^-schema of them.
  const key = fraction === 0.5 ? exp - 1 : exp;
  const shift = -schema;
  return (key + (1 << shift) - 1) >> shift;
}

/** The upper bound of bucket `index` at `schema`. */
export function bucketUpperBound(index: number, schema: number): number {
  if (schema > 0) {
    const per = 2 ** schema;
    const within = ((index % per) + per) % per;
    const power = Math.floor(index / per) + 1;
    return (boundsOf(schema)[within] as number) * 2 ** power;
  }
  return 2 ** (index * 2 ** -schema);
}

/** The index of the merged bucket bucket `index` falls in one schema lower. */
export function halvedIndex(index: number): number {
  return Math.ceil(index / 2);
}
