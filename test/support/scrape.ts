/** Samples of a `/metrics` body, keyed by the series exactly as written (`name{labels}`). */
export type Samples = Map<string, number>;

/** Parses the Prometheus text format (comments skipped; `+Inf`, `NaN` understood). */
export function parseSamples(body: string): Samples {
  const samples: Samples = new Map();
  for (const line of body.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    const raw = line.slice(space + 1);
    samples.set(
      line.slice(0, space),
      raw === "+Inf" ? Number.POSITIVE_INFINITY : raw === "-Inf" ? Number.NEGATIVE_INFINITY : Number(raw),
    );
  }
  return samples;
}

/** Fetches and parses `/metrics`. */
export async function scrape(baseUrl: string): Promise<Samples> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parseSamples(await response.text());
}

/** The samples of the given metric names only (exact name or name with `_bucket`, `_sum`, `_count`). */
export function only(samples: Samples, ...names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [series, value] of samples) {
    const name = series.split("{")[0] as string;
    if (
      names.some((n) => name === n || name === `${n}_bucket` || name === `${n}_sum` || name === `${n}_count`)
    ) {
      out[series] = value;
    }
  }
  return out;
}

const PARTITION_LABEL = /,partition="\d+"|partition="\d+",?/;
/** Self metrics keep their `partition` label: lag and positions are per partition by nature. */
const PER_PARTITION_SELF_METRIC = /^aggregator_(?!series_overflow_total)/;

/**
 * The event samples with the `partition` label taken out and the values of
 * the partitions added up: exact for counters and histograms (what a replica
 * shows for its partitions, as `sum without (partition)` gives it). Gauges
 * do not add up: read those per partition.
 */
export function acrossPartitions(samples: Samples): Samples {
  const out: Samples = new Map();
  for (const [series, value] of samples) {
    const key = PER_PARTITION_SELF_METRIC.test(series)
      ? series
      : series.replace(PARTITION_LABEL, "").replace("{}", "");
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}

/**
 * Whether the replicas at `urls` together show `assigned` input partitions,
 * none restoring (and, with `each`, every replica at least one): the group
 * settled. A replica that does not answer counts as showing none.
 */
export async function partitionsSettled(
  urls: readonly string[],
  assigned: number,
  each = false,
): Promise<boolean> {
  const shown = await Promise.all(urls.map((url) => scrape(url).catch(() => new Map<string, number>())));
  const of = (name: string) => shown.reduce((sum, s) => sum + (s.get(name) ?? 0), 0);
  return (
    of("aggregator_assigned_partitions") === assigned &&
    of("aggregator_partitions_restoring") === 0 &&
    (!each || shown.every((s) => (s.get("aggregator_assigned_partitions") ?? 0) > 0))
  );
}
