import protobuf from "protobufjs";
import { CONTENT_TYPES } from "../../src/expose/exposition/exposition-format.js";
import { metricsProto } from "../../src/expose/exposition/protobuf/metrics-proto.js";

/** One decoded histogram message. */
export interface DecodedHistogram {
  sample_count: number;
  sample_sum: number;
  bucket?: { cumulative_count: number; upper_bound: number }[];
  schema?: number;
  zero_threshold?: number;
  zero_count?: number;
  positive_span?: { offset?: number; length?: number }[];
  positive_delta?: number[];
}

/** One decoded MetricFamily message, as plain objects. */
export interface DecodedFamily {
  name: string;
  help?: string;
  type?: number;
  metric: {
    label: { name: string; value: string }[];
    counter?: { value: number };
    gauge?: { value: number };
    histogram?: DecodedHistogram;
  }[];
}

/** Every MetricFamily of a delimited protobuf body. */
export function decodeFamilies(body: Uint8Array): DecodedFamily[] {
  const { MetricFamily } = metricsProto();
  const reader = new protobuf.Reader(body);
  const out: DecodedFamily[] = [];
  while (reader.pos < reader.len) {
    const message = MetricFamily.decodeDelimited(reader);
    out.push(MetricFamily.toObject(message, { longs: Number, arrays: true }) as DecodedFamily);
  }
  return out;
}

/** `/metrics` in the protobuf format, as Prometheus asks for it with native histograms on. */
export async function scrapeProtobuf(baseUrl: string): Promise<DecodedFamily[]> {
  const response = await fetch(`${baseUrl}/metrics`, {
    headers: { accept: `${CONTENT_TYPES.protobuf};q=0.8,text/plain;version=0.0.4;q=0.3` },
  });
  if (response.headers.get("content-type") !== CONTENT_TYPES.protobuf)
    throw new Error(`/metrics answered ${response.headers.get("content-type")}`);
  return decodeFamilies(new Uint8Array(await response.arrayBuffer()));
}

/** Native buckets back from spans and deltas: count by bucket index. */
export function nativeCounts(h: DecodedHistogram): Map<number, number> {
  const counts = new Map<number, number>();
  let index = 0;
  let count = 0;
  let delta = 0;
  (h.positive_span ?? []).forEach((span, i) => {
    index += i === 0 ? (span.offset ?? 0) : (span.offset ?? 0) + 1;
    for (let j = 0; j < (span.length ?? 0); j++) {
      if (j > 0) index++;
      count += h.positive_delta?.[delta++] as number;
      counts.set(index, count);
    }
  });
  return counts;
}

/** A metric's labels as an object. */
export function labelsOf(metric: DecodedFamily["metric"][number]): Record<string, string> {
  return Object.fromEntries(metric.label.map((l) => [l.name, l.value]));
}
