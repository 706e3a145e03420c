import type { Exemplar } from "../../aggregate/exemplar.js";
import type {
  HistogramSeries,
  MetricFamily,
  MetricType,
  ScalarSeries,
} from "../../aggregate/metric-family.js";
import type { TextFormat } from "./exposition-format.js";

/** One sample with its full name (`x_bucket`, `x_sum` …) and labels, as prom-client reports them. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/** A family given as ready samples: prom-client's own metrics. */
export interface SampleFamily {
  readonly type: MetricType;
  readonly name: string;
  readonly help: string;
  readonly samples: readonly Sample[];
}

/** Anything `/metrics` renders. */
export type ExposedFamily = MetricFamily | SampleFamily;

const NEEDS_ESCAPE = /[\\"\n]/;

/** Escapes a label value for both text formats: backslash, double quote, line feed. */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(help: string, format: TextFormat): string {
  const escaped = help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
  return format === "openmetrics" ? escaped.replace(/"/g, '\\"') : escaped;
}

/** A sample value as both formats spell it (Go's ParseFloat reads them all). */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "+Inf" : "-Inf";
}

function samplePairs(labels: Readonly<Record<string, string | number>>): string {
  let out = "";
  for (const name in labels) {
    if (out !== "") out += ",";
    out += `${name}="${escapeLabelValue(String(labels[name]))}"`;
  }
  return out;
}

function labelPairs(names: readonly string[], values: readonly string[]): string {
  let out = "";
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ",";
    out += `${names[i]}="${escapeLabelValue(values[i] ?? "")}"`;
  }
  return out;
}

/**
 * Rendered label text by label-name list and label-value array, both by
 * identity: the aggregator keeps one immutable array per label set for the
 * series' lifetime, so its text never changes. Weak, so expired series free it.
 */
const labelTexts = new WeakMap<readonly string[], WeakMap<readonly string[], string>>();

function labelText(names: readonly string[], values: readonly string[]): string {
  let byValues = labelTexts.get(names);
  if (byValues === undefined) {
    byValues = new WeakMap();
    labelTexts.set(names, byValues);
  }
  let text = byValues.get(values);
  if (text === undefined) {
    text = labelPairs(names, values);
    byValues.set(values, text);
  }
  return text;
}

/**
 * An OpenMetrics exemplar after a sample: ` # {trace_id="…"} value timestamp`
 * (seconds), or nothing when the series has none yet.
 */
function exemplarText(label: string, exemplar: Exemplar | undefined): string {
  // OpenMetrics caps an exemplar's label set at 128 characters; a scraper rejects the whole scrape past it.
  if (exemplar === undefined || label.length + exemplar.id.length > 128) return "";
  return ` # {${label}="${escapeLabelValue(exemplar.id)}"} ${formatValue(exemplar.value)} ${(exemplar.timeMs / 1000).toFixed(3)}`;
}

/** The `# HELP` and `# TYPE` lines of a family (OpenMetrics names a counter without `_total`). */
export function familyHeader(family: ExposedFamily, format: TextFormat): string {
  const typeName =
    format === "openmetrics" && family.type === "counter" ? family.name.replace(/_total$/, "") : family.name;
  return `# HELP ${typeName} ${escapeHelp(family.help, format)}\n# TYPE ${typeName} ${family.type}\n`;
}

/** The text (or protobuf bytes) of a family's series in one format, one series at a time. */
export interface SeriesWriter {
  /** The lines of one scalar series (counter or gauge). */
  scalar(series: ScalarSeries): string | Uint8Array;
  /** The lines of one histogram series: its buckets (cumulative), sum and count. */
  histogram(series: HistogramSeries): string | Uint8Array;
}

/** A writer of one event family's series in a text format; the parts every series shares are made once. */
export function seriesWriter(family: MetricFamily, format: TextFormat): SeriesWriter {
  const exemplarLabel = format === "openmetrics" ? family.exemplarLabel : undefined;
  const name = family.name;
  const bucketHead = `${name}_bucket{`;
  const sumHead = `${name}_sum`;
  const countHead = `${name}_count`;
  let leTails: string[] | undefined;
  return {
    scalar({ labels, value, exemplar }) {
      const pairs = labelText(family.labelNames, labels);
      const tail = exemplarLabel === undefined ? "" : exemplarText(exemplarLabel, exemplar);
      // Joined, not added: a flat string, which the kept text stores at the cost of its characters.
      return [name, pairs === "" ? " " : `{${pairs}} `, formatValue(value), tail, "\n"].join("");
    },
    histogram({ labels, histogram }) {
      leTails ??= [...histogram.bounds.map(formatValue), "+Inf"].map((le) => `le="${le}"} `);
      const pairs = labelText(family.labelNames, labels);
      const prefix = pairs === "" ? bucketHead : `${bucketHead}${pairs},`;
      const braces = pairs === "" ? " " : `{${pairs}} `;
      const exemplars = exemplarLabel === undefined ? undefined : histogram.exemplars;
      const parts: (string | number)[] = [];
      let cumulative = 0;
      for (let i = 0; i < leTails.length; i++) {
        cumulative += histogram.counts[i] as number;
        parts.push(prefix, leTails[i] as string, cumulative);
        if (exemplars) parts.push(exemplarText(exemplarLabel as string, exemplars[i]));
        parts.push("\n");
      }
      parts.push(sumHead, braces, formatValue(histogram.sum), "\n", countHead, braces, histogram.count, "\n");
      return parts.join("");
    },
  };
}

/** A family given as ready samples (prom-client's), in one go. */
export function sampleFamilyText(family: SampleFamily, format: TextFormat): string {
  let text = familyHeader(family, format);
  for (const { name, labels, value } of family.samples) {
    const pairs = samplePairs(labels);
    text += `${name}${pairs === "" ? "" : `{${pairs}}`} ${formatValue(value)}\n`;
  }
  return text;
}
