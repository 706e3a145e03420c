import { EVENT_TIME, type Split } from "../aggregate/metric-definition.js";
import { parseBuckets, parseDurationMs } from "../config/value-parsers.js";
import { type CatalogueProblem, pathOf } from "./catalogue-error.js";
import type { MetricSpec } from "./catalogue-types.js";
import { checkNative } from "./check-native.js";
import { type ContractField, isNumeric, isScalar } from "./contract-fields.js";
import type { CatalogueSettings, Located, ResolvedMetric } from "./resolved-catalogue.js";

/** Labels the service sets itself, which no metric may take from an event. */
const RESERVED_LABELS = new Set(["partition", "le", "quantile"]);
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Checks one metric against its stream's contract; `undefined` (and problems) when it cannot be used. */
export function checkMetric(
  located: Located<MetricSpec>,
  fields: ReadonlyMap<string, ContractField>,
  contractName: string,
  settings: CatalogueSettings,
  problems: CatalogueProblem[],
): ResolvedMetric | undefined {
  const metric = located.value;
  const before = problems.length;
  const problem = (key: string | (string | number)[], expected: string, got?: unknown) =>
    problems.push({
      file: located.file,
      path: pathOf([...located.path, ...(Array.isArray(key) ? key : [key])]),
      expected,
      got,
    });
  const contractField = (name: string) => fields.get(name);
  const inContract = `a field of the contract ${contractName}`;
  const only = (key: keyof MetricSpec, types: readonly MetricSpec["type"][]) => {
    if (metric[key] !== undefined && !types.includes(metric.type))
      problem(key, `no ${key} on a ${metric.type} (only on ${types.join(" or ")})`, metric[key]);
  };
  only("buckets", ["histogram"]);
  only("native", ["histogram"]);
  only("aggregate", ["gauge"]);
  only("success", ["ratio"]);
  only("window", ["ratio"]);
  only("values", ["counter"]);
  only("exemplar", ["counter", "histogram"]);

  if (metric.type === "counter" && !metric.name.endsWith("_total"))
    problem("name", "a counter name ending in _total", metric.name);
  if (metric.unit !== undefined && !metric.name.replace(/_total$/, "").endsWith(`_${metric.unit}`)) {
    problem(
      "unit",
      `the unit the name ends with (${metric.name} does not end in _${metric.unit})`,
      metric.unit,
    );
  }
  if (metric.type !== "counter" && metric.name.endsWith("_total"))
    problem("name", `a ${metric.type} name not ending in _total (the suffix is for counters)`, metric.name);

  // Labels: each from a field of the contract; an enum field on a counter is a split (every value from 0).
  const labels: string[] = [];
  let split: Split | undefined;
  (metric.labels ?? []).forEach((label, i) => {
    if (!LABEL_NAME.test(label) || label.startsWith("__") || RESERVED_LABELS.has(label)) {
      problem(
        ["labels", i],
        "a label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __, not partition, le or quantile)",
        label,
      );
      return;
    }
    if ((metric.labels ?? []).indexOf(label) !== i) problem(["labels", i], "each label once", label);
    const field = contractField(label);
    if (!field) {
      problem(["labels", i], inContract, label);
      return;
    }
    if (!isScalar(field)) {
      problem(["labels", i], "a field of a string, number or boolean type (a label value is text)", label);
      return;
    }
    // An optional enum field is a plain label: an event without it still counts, under the empty value.
    if (
      metric.type === "counter" &&
      field.enum !== undefined &&
      field.required &&
      metric.values === undefined
    ) {
      if (split)
        problem(["labels", i], `at most one label with a fixed set of values (${split.label} is one)`, label);
      else split = { label, at: i, values: field.enum.map(String), field: label };
    } else labels.push(label);
  });
  if (metric.values) {
    const { label, fields: byValue } = metric.values;
    if (!LABEL_NAME.test(label) || RESERVED_LABELS.has(label) || (metric.labels ?? []).includes(label)) {
      problem(["values", "label"], "a label name of its own", label);
    }
    for (const [value, name] of Object.entries(byValue)) {
      const field = contractField(name);
      if (!field) problem(["values", "fields", value], inContract, name);
      else if (!isNumeric(field)) problem(["values", "fields", value], "a numeric field", name);
      else if (field.minimum === undefined || field.minimum < 0)
        problem(
          ["values", "fields", value],
          "a field the contract keeps from going negative (minimum: 0): counters only go up",
          name,
        );
    }
    split = { label, at: labels.length + (split ? 1 : 0), values: Object.keys(byValue), fields: byValue };
  }

  // The value.
  const value = metric.value;
  if (value !== undefined) {
    if (value === EVENT_TIME) {
      if (metric.type === "counter")
        problem("value", "a numeric field (event_time only for gauges and histograms)", value);
    } else {
      const field = contractField(value);
      if (!field) problem("value", `${inContract}, or event_time`, value);
      else if (!isNumeric(field)) problem("value", "a numeric field", value);
      else if (metric.type === "counter" && (field.minimum === undefined || field.minimum < 0)) {
        problem(
          "value",
          "a field the contract keeps from going negative (minimum: 0): counters only go up",
          value,
        );
      }
    }
  }
  if (metric.type === "histogram" && value === undefined)
    problem("value", "the field a histogram observes", undefined);
  if (metric.type === "gauge" && value === undefined) problem("value", "the field a gauge shows", undefined);
  if (metric.type === "ratio" && value !== undefined)
    problem("value", "no value on a ratio (it counts events)", value);

  let buckets: readonly number[] | undefined;
  let native: ResolvedMetric["native"];
  const presets = Object.keys(settings.bucketPresets).join(", ");
  if (metric.type === "histogram") {
    if (metric.buckets === undefined && metric.native === undefined)
      problem("buckets", `a bucket list, or a preset (${presets}), or native buckets (native: true)`);
    else if (typeof metric.buckets === "string") {
      buckets = settings.bucketPresets[metric.buckets];
      if (!buckets) problem("buckets", `a bucket list, or a preset (${presets})`, metric.buckets);
    } else if (metric.buckets !== undefined) {
      buckets = parseBuckets(metric.buckets.join(","));
      if (!buckets) problem("buckets", "positive finite numbers in ascending order", metric.buckets);
    }
    if (metric.native !== undefined) {
      native = checkNative(metric.native, problem);
      const field = value === undefined || value === EVENT_TIME ? undefined : contractField(value);
      if (field && (field.minimum === undefined || field.minimum < 0))
        problem(
          "native",
          `a value field the contract keeps from going negative (minimum: 0): native buckets here are for values ≥ 0, and ${value} may be negative`,
          metric.native,
        );
    }
  }
  if (metric.type === "gauge" && metric.aggregate === undefined)
    problem("aggregate", "max or last: how events combine into the gauge");

  let windowMs: number | undefined;
  if (metric.type === "ratio") {
    if (metric.success === undefined)
      problem("success", "the condition that makes an event a success ({field, equals})");
    else {
      const field = contractField(metric.success.field);
      if (!field) problem(["success", "field"], inContract, metric.success.field);
      else if (field.enum && !field.enum.includes(metric.success.equals)) {
        problem(
          ["success", "equals"],
          `one of the values the contract allows (${field.enum.join(", ")})`,
          metric.success.equals,
        );
      }
    }
    if (metric.window === undefined)
      problem("window", `a duration (5m), or a preset (${Object.keys(settings.windowPresets).join(", ")})`);
    else {
      windowMs = settings.windowPresets[metric.window] ?? parseDurationMs(metric.window);
      if (windowMs === undefined || windowMs <= 0)
        problem(
          "window",
          `a duration (5m), or a preset (${Object.keys(settings.windowPresets).join(", ")})`,
          metric.window,
        );
    }
  }
  if (metric.exemplar !== undefined) {
    const field = contractField(metric.exemplar);
    if (!field) problem("exemplar", inContract, metric.exemplar);
    else if (!isScalar(field))
      problem("exemplar", "a field of a string or number type (a trace id)", metric.exemplar);
  }
  let ttlMs: number | undefined;
  if (metric.ttl !== undefined) {
    ttlMs = /^(0|off)$/i.test(metric.ttl) ? 0 : parseDurationMs(metric.ttl);
    if (ttlMs === undefined) problem("ttl", "a duration such as 1h, or off", metric.ttl);
  }
  if (problems.length > before) return undefined;
  const preset =
    typeof metric.buckets === "string"
      ? metric.buckets
      : metric.window !== undefined && metric.window in settings.windowPresets
        ? metric.window
        : undefined;
  return {
    name: metric.name,
    type: metric.type,
    preset,
    help: metric.help,
    unit: metric.unit,
    labels,
    split,
    value,
    buckets,
    native,
    aggregate: metric.aggregate,
    success: metric.success,
    windowMs,
    exemplar: metric.exemplar,
    ttlMs,
  };
}
