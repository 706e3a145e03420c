/**
 * What the aggregation needs to know about one metric: which labels identify
 * its series, which event field feeds it and how events combine. Owned here,
 * filled in from the catalogue; nothing in it names a camera or a model.
 */
export type MetricKind = "counter" | "histogram" | "gauge" | "ratio";

import type { NativeSpec } from "./native-histogram.js";

/** The value a metric reads from an event that is its event time, in Unix seconds. */
export const EVENT_TIME = "event_time";

/** A counter's label whose values are known in advance: one slot per value, all starting at 0. */
export interface Split {
  readonly label: string;
  /** Where the label goes among the metric's labels. */
  readonly at: number;
  readonly values: readonly string[];
  /** The field the label takes its value from (an enum of the contract)… */
  readonly field?: string;
  /** …or one numeric field per label value, each added under its value. */
  readonly fields?: Readonly<Record<string, string>>;
}

export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricKind;
  readonly help: string;
  /** Event fields whose values are label values, in exposition order, without the split label. */
  readonly labels: readonly string[];
  readonly split: Split | undefined;
  /** A numeric field, {@link EVENT_TIME}, or `undefined` for 1 per event. */
  readonly value: string | undefined;
  /** Histograms: classic upper bounds, ascending and finite (none: native only). */
  readonly buckets: readonly number[] | undefined;
  /** Histograms: native buckets, beside the classic ones or instead of them. */
  readonly native?: NativeSpec | undefined;
  /** Gauges: keep the largest value, or the last (in offset order). */
  readonly aggregate: "max" | "last" | undefined;
  /** Ratios: the events that count as successes. */
  readonly success: { readonly field: string; readonly equals: string | number | boolean } | undefined;
  readonly windowMs: number | undefined;
  /** An event field shown as the exemplar of the series (OpenMetrics). */
  readonly exemplar: string | undefined;
  /** Label sets idle this long in record time are removed; `undefined`: the service's SERIES_TTL; 0: never. */
  readonly ttlMs: number | undefined;
}
