import { EVENT_TIME } from "../aggregate/metric-definition.js";
import type { Catalogue, ResolvedMetric } from "./load-catalogue.js";

const cell = (text: string) => text.replaceAll("|", "\\|");
const code = (text: string) => `\`${text}\``;

/** A metric's labels in exposition order: its own, the split label where it goes, then `partition`. */
function labels(metric: ResolvedMetric): string {
  const names = metric.labels.map(code);
  if (metric.split) {
    names.splice(
      metric.split.at,
      0,
      `${code(metric.split.label)} (${metric.split.values.map(code).join("/")})`,
    );
  }
  return [...names, code("partition")].join(", ");
}

function source(metric: ResolvedMetric): string {
  if (metric.split?.fields) {
    return Object.entries(metric.split.fields)
      .map(([value, field]) => `${code(field)} as ${code(value)}`)
      .join(", ");
  }
  if (metric.type === "ratio" && metric.success) {
    const window = metric.preset ? `the ${code(metric.preset)} window` : `${(metric.windowMs ?? 0) / 1000} s`;
    return `events with ${code(`${metric.success.field} = ${metric.success.equals}`)} ÷ all, over ${window}`;
  }
  if (metric.value === undefined) return "1 per event";
  const field = metric.value === EVENT_TIME ? "the event time (Unix seconds)" : code(metric.value);
  return metric.type === "gauge"
    ? `${metric.aggregate} of ${field}`
    : metric.type === "counter"
      ? `sum of ${field}`
      : field;
}

function type(metric: ResolvedMetric): string {
  if (metric.type === "histogram") {
    const classic = metric.buckets && (metric.preset ? code(metric.preset) : metric.buckets.join(", "));
    const native = metric.native && `native, schema ${metric.native.schema}`;
    return `histogram (${[classic, native].filter(Boolean).join("; ")})`;
  }
  if (metric.type === "ratio") return "gauge (ratio)";
  return metric.type;
}

/**
 * The metrics of a catalogue as Markdown: name, type, labels, what feeds it,
 * help. `npm run docs` writes the shipped catalogue's into docs/metrics.md
 * and a test keeps the two in step.
 */
export function catalogueMarkdown(catalogue: Catalogue): string {
  const rows = catalogue.streams.flatMap((stream) =>
    stream.metrics.map(
      (metric) =>
        `| ${code(metric.name)} | ${type(metric)} | ${labels(metric)} | ${code(stream.name)}: ${cell(source(metric))} | ${cell(metric.help)}${metric.exemplar ? ` Exemplar: ${code(metric.exemplar)}.` : ""} |`,
    ),
  );
  return ["| metric | type | labels | from | help |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}
