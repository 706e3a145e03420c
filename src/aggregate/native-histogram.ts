import { bucketIndex, halvedIndex, MIN_SCHEMA } from "./native-buckets.js";

/** How a histogram keeps its native buckets: validated where the catalogue is read. */
export interface NativeSpec {
  /** The finest schema, where every label set starts. */
  readonly schema: number;
  /** Values at or below it (and at or above 0) count in the zero bucket. */
  readonly zeroThreshold: number;
  /** Buckets a label set keeps at most; beyond, its schema goes down by one (twice as wide). */
  readonly maxBuckets: number;
}

/** Slots of the native part, after which its buckets start. */
const SCHEMA = 0;
const ZERO_COUNT = 1;
/** The index of the first bucket in the window. */
const LOW = 2;
/** Buckets in use from LOW on (0: none yet). */
const SPAN = 3;
const HEADER = 4;

/** A native histogram as exposition reads it: `counts[i]` is bucket `low + i`. */
export interface NativeReading {
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCount: number;
  readonly low: number;
  readonly counts: Float64Array;
}

/**
 * The native buckets of one label set in a fixed run of slots: the schema
 * in use, the zero bucket, and a window of `maxBuckets` counts starting at
 * bucket LOW. Fixed slots keep the state a plain typed array (copied at a
 * commit, written to the changelog as it is), so the schema and the window a
 * label set reached are durable and a restore continues with the same
 * buckets. Everything here is a function of the observations in order.
 */
export class NativeHistogram {
  readonly slots: number;
  readonly layout: string;

  constructor(readonly spec: NativeSpec) {
    this.slots = HEADER + spec.maxBuckets;
    this.layout = `native:${spec.schema}/${spec.zeroThreshold}/${spec.maxBuckets}`;
  }

  init(values: Float64Array, at: number): void {
    values[at + SCHEMA] = this.spec.schema;
  }

  observe(values: Float64Array, at: number, value: number): void {
    if (value <= this.spec.zeroThreshold) {
      values[at + ZERO_COUNT] = (values[at + ZERO_COUNT] as number) + 1;
      return;
    }
    this.add(values, at, value, 1);
  }

  addZero(values: Float64Array, at: number, count: number): void {
    values[at + ZERO_COUNT] = (values[at + ZERO_COUNT] as number) + count;
  }

  /** Adds `count` observations at `value` (> the zero threshold). */
  add(values: Float64Array, at: number, value: number, count: number): void {
    let schema = values[at + SCHEMA] as number;
    let index = bucketIndex(value, schema);
    const span = values[at + SPAN] as number;
    const window = at + HEADER;
    if (span === 0) {
      values[at + LOW] = index;
      values[at + SPAN] = 1;
      values[window] = count;
      return;
    }
    let low = values[at + LOW] as number;
    if (index >= low && index < low + span) {
      values[window + index - low] = (values[window + index - low] as number) + count;
      return;
    }
    const max = this.spec.maxBuckets;
    while (Math.max(low + span - 1, index) - Math.min(low, index) + 1 > max && schema > MIN_SCHEMA) {
      this.halve(values, at);
      schema--;
      index = bucketIndex(value, schema);
      low = values[at + LOW] as number;
    }
    const width = values[at + SPAN] as number;
    const first = Math.min(low, index);
    const last = Math.max(low + width - 1, index);
    if (last - first + 1 > max) {
      // Only at the coarsest schema (a factor of 65,536 per bucket): the edge bucket takes it.
      index = index < low ? low : low + width - 1;
      values[window + index - low] = (values[window + index - low] as number) + count;
      return;
    }
    if (index < low) {
      const shift = low - index;
      values.copyWithin(window + shift, window, window + width);
      values.fill(0, window, window + shift);
      values[at + LOW] = index;
    }
    values[at + SPAN] = last - first + 1;
    const slot = window + index - (values[at + LOW] as number);
    values[slot] = (values[slot] as number) + count;
  }

  /** Lowers the schema by one: bucket `k` goes to bucket `ceil(k/2)`, in place. */
  private halve(values: Float64Array, at: number): void {
    const window = at + HEADER;
    const low = values[at + LOW] as number;
    const span = values[at + SPAN] as number;
    const newLow = halvedIndex(low);
    for (let i = 0; i < span; i++) {
      const count = values[window + i] as number;
      values[window + i] = 0;
      const target = window + halvedIndex(low + i) - newLow;
      values[target] = (values[target] as number) + count;
    }
    values[at + LOW] = newLow;
    values[at + SPAN] = halvedIndex(low + span - 1) - newLow + 1;
    values[at + SCHEMA] = (values[at + SCHEMA] as number) - 1;
  }

  reading(values: Float64Array, at: number): NativeReading {
    const span = values[at + SPAN] as number;
    return {
      schema: values[at + SCHEMA] as number,
      zeroThreshold: this.spec.zeroThreshold,
      zeroCount: values[at + ZERO_COUNT] as number,
      low: values[at + LOW] as number,
      counts: values.subarray(at + HEADER, at + HEADER + span),
    };
  }
}
