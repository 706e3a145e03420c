import type { Exemplar } from "../../../aggregate/exemplar.js";
import type { HistogramReading, MetricFamily } from "../../../aggregate/metric-family.js";
import type { NativeReading } from "../../../aggregate/native-histogram.js";
import type { SampleFamily, SeriesWriter } from "../render-families.js";
import { METRIC_TYPE, metricsProto } from "./metrics-proto.js";

/**
 * The protobuf exposition (`encoding=delimited`): each family one
 * `MetricFamily` message after its length. A series is encoded alone, as the
 * `metric` field it is in its family (tag and length included), so its bytes
 * can be kept like a series' text and a family is its header followed by the
 * kept bytes of its series, in any number of pieces.
 */
const METRIC_FIELD_TAG = (4 << 3) | 2;

interface LabelPair {
  readonly name: string;
  readonly value: string;
}

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** A message's bytes as one field `metric` of a family: tag, length, message. */
function asMetricField(message: Uint8Array): Uint8Array {
  const head = [METRIC_FIELD_TAG, ...varint(message.length)];
  const out = new Uint8Array(head.length + message.length);
  out.set(head, 0);
  out.set(message, head.length);
  return out;
}

function metricField(message: Record<string, unknown>): Uint8Array {
  return asMetricField(metricsProto().Metric.encode(message).finish());
}

/**
 * The start of a family message: its length (of all it holds, `metricBytes`
 * of series included), then its name, help and type.
 */
export function familyHead(
  family: { name: string; help: string; type: string },
  metricBytes: number,
): Uint8Array {
  const type = METRIC_TYPE[family.type as keyof typeof METRIC_TYPE] ?? METRIC_TYPE.untyped;
  const fields = metricsProto().MetricFamily.encode({ name: family.name, help: family.help, type }).finish();
  const length = varint(fields.length + metricBytes);
  const out = new Uint8Array(length.length + fields.length);
  out.set(length, 0);
  out.set(fields, length.length);
  return out;
}

function pairs(names: readonly string[], values: readonly string[]): LabelPair[] {
  return names.map((name, i) => ({ name, value: values[i] ?? "" }));
}

function exemplarOf(label: string | undefined, exemplar: Exemplar | undefined) {
  if (label === undefined || exemplar === undefined || label.length + exemplar.id.length > 128)
    return undefined;
  const seconds = Math.floor(exemplar.timeMs / 1000);
  return {
    label: [{ name: label, value: exemplar.id }],
    value: exemplar.value,
    timestamp: { seconds, nanos: (exemplar.timeMs - seconds * 1000) * 1e6 },
  };
}

/** Native buckets as spans of consecutive non-empty buckets and count deltas. */
export function nativeFields(native: NativeReading) {
  const spans: { offset: number; length: number }[] = [];
  const deltas: number[] = [];
  let previous = 0;
  let lastIndex: number | undefined;
  for (let i = 0; i < native.counts.length; i++) {
    const count = native.counts[i] as number;
    if (count === 0) continue;
    const index = native.low + i;
    const span = spans[spans.length - 1];
    if (span !== undefined && lastIndex === index - 1) span.length++;
    else spans.push({ offset: lastIndex === undefined ? index : index - lastIndex - 1, length: 1 });
    deltas.push(count - previous);
    previous = count;
    lastIndex = index;
  }
  return {
    schema: native.schema,
    zero_threshold: native.zeroThreshold,
    zero_count: native.zeroCount,
    // No bucket yet: an empty span still says "native" to the reader.
    positive_span: spans.length > 0 ? spans : [{ offset: 0, length: 0 }],
    positive_delta: deltas,
  };
}

function histogramMessage(histogram: HistogramReading, exemplarLabel: string | undefined) {
  let cumulative = 0;
  const bucket = histogram.bounds.map((bound, i) => {
    cumulative += histogram.counts[i] as number;
    return {
      cumulative_count: cumulative,
      upper_bound: bound,
      exemplar: exemplarOf(exemplarLabel, histogram.exemplars?.[i]),
    };
  });
  return {
    sample_count: histogram.count,
    sample_sum: histogram.sum,
    bucket,
    ...(histogram.native ? nativeFields(histogram.native) : {}),
  };
}

/** A writer of one event family's series as protobuf `metric` fields. */
export function protobufSeriesWriter(family: MetricFamily): SeriesWriter {
  const names = family.labelNames;
  const exemplarLabel = family.exemplarLabel;
  const value = family.type === "counter" ? "counter" : "gauge";
  return {
    scalar({ labels, value: v, exemplar }) {
      const data =
        value === "counter" ? { value: v, exemplar: exemplarOf(exemplarLabel, exemplar) } : { value: v };
      return metricField({ label: pairs(names, labels), [value]: data });
    },
    histogram({ labels, histogram }) {
      return metricField({
        label: pairs(names, labels),
        histogram: histogramMessage(histogram, exemplarLabel),
      });
    },
  };
}

/**
 * A family of ready samples (prom-client's) as one delimited message: a
 * histogram's `_bucket`, `_sum` and `_count` samples become one Histogram
 * per label set (classic buckets, +Inf implied by the count).
 */
export function protobufSampleFamily(family: SampleFamily): Uint8Array {
  const metrics: Uint8Array[] = [];
  if (family.type === "histogram") {
    const byLabels = new Map<
      string,
      {
        labels: LabelPair[];
        buckets: { upper_bound: number; cumulative_count: number }[];
        count: number;
        sum: number;
      }
    >();
    for (const sample of family.samples) {
      const { le, ...rest } = sample.labels;
      const key = JSON.stringify(rest);
      let histogram = byLabels.get(key);
      if (histogram === undefined) {
        const labels = Object.entries(rest).map(([name, v]) => ({ name, value: String(v) }));
        histogram = { labels, buckets: [], count: 0, sum: 0 };
        byLabels.set(key, histogram);
      }
      if (sample.name.endsWith("_bucket") && le !== undefined && le !== "+Inf")
        histogram.buckets.push({ upper_bound: Number(le), cumulative_count: sample.value });
      else if (sample.name.endsWith("_sum")) histogram.sum = sample.value;
      else if (sample.name.endsWith("_count")) histogram.count = sample.value;
    }
    for (const h of byLabels.values()) {
      metrics.push(
        metricField({
          label: h.labels,
          histogram: { sample_count: h.count, sample_sum: h.sum, bucket: h.buckets },
        }),
      );
    }
  } else {
    const kind = family.type === "counter" ? "counter" : family.type === "gauge" ? "gauge" : "untyped";
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels).map(([name, v]) => ({ name, value: String(v) }));
      metrics.push(metricField({ label: labels, [kind]: { value: sample.value } }));
    }
  }
  const bytes = metrics.reduce((sum, m) => sum + m.length, 0);
  return Buffer.concat([familyHead(family, bytes), ...metrics]);
}
