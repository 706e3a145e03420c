import { MAX_SCHEMA, MIN_SCHEMA, schemaForFactor } from "../aggregate/native-buckets.js";
import type { NativeSpec } from "../aggregate/native-histogram.js";
import type { NativeSpecText } from "./catalogue-types.js";

/** client_golang's common choice: a bucket factor of 1.0905, quantiles within 4.5 %. */
export const DEFAULT_NATIVE_SCHEMA = 3;
/** client_golang's default zero threshold: values this close to 0 share the zero bucket. */
export const DEFAULT_ZERO_THRESHOLD = 2 ** -128;
/** Buckets per label set before the resolution halves: schema 3 spans 2^20 (1 ms to 17 min) in 160. */
export const DEFAULT_MAX_BUCKETS = 160;
/** Below this a halving at the coarsest schema could still not fit a float's range. */
const MIN_BUCKETS = 8;
const MAX_BUCKETS = 4096;

type Problem = (key: (string | number)[], expected: string, got?: unknown) => void;

/**
 * A histogram's `native:` as a {@link NativeSpec}: `true` takes every
 * default; a bucket factor picks the coarsest schema at least as fine, as
 * client_golang does; a schema names it outright (one of the two).
 */
export function checkNative(text: true | NativeSpecText, problem: Problem): NativeSpec | undefined {
  const spec = text === true ? {} : text;
  let schema = DEFAULT_NATIVE_SCHEMA;
  let ok = true;
  const fail = (key: string, expected: string, got: unknown) => {
    problem(["native", key], expected, got);
    ok = false;
  };
  if (spec.bucket_factor !== undefined && spec.schema !== undefined)
    fail("schema", "either bucket_factor or schema, not both", spec.schema);
  else if (spec.bucket_factor !== undefined) {
    if (!(spec.bucket_factor > 1) || !Number.isFinite(spec.bucket_factor))
      fail("bucket_factor", "a number above 1 (1.1: buckets 10 % wide at most)", spec.bucket_factor);
    else schema = schemaForFactor(spec.bucket_factor);
  } else if (spec.schema !== undefined) {
    if (spec.schema < MIN_SCHEMA || spec.schema > MAX_SCHEMA)
      fail("schema", `an integer from ${MIN_SCHEMA} to ${MAX_SCHEMA}`, spec.schema);
    else schema = spec.schema;
  }
  const zeroThreshold = spec.zero_threshold ?? DEFAULT_ZERO_THRESHOLD;
  if (!(zeroThreshold > 0) || !Number.isFinite(zeroThreshold))
    fail("zero_threshold", "a positive number (values up to it count as 0)", spec.zero_threshold);
  const maxBuckets = spec.max_buckets ?? DEFAULT_MAX_BUCKETS;
  if (maxBuckets < MIN_BUCKETS || maxBuckets > MAX_BUCKETS)
    fail("max_buckets", `an integer from ${MIN_BUCKETS} to ${MAX_BUCKETS}`, spec.max_buckets);
  return ok ? { schema, zeroThreshold, maxBuckets } : undefined;
}
