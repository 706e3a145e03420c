import type { StreamEvent } from "../events/stream-event.js";
import { type DecodeResult, rejected } from "./decode-result.js";
import { labelValue } from "./label-value.js";
import type { StreamContract } from "./stream-contract.js";

/** Epoch milliseconds of a schema-valid timestamp; NaN for a well-formed but impossible date. */
export function timestampMs(timestamp: unknown): number {
  if (typeof timestamp === "number") return timestamp;
  return typeof timestamp === "string" ? Date.parse(timestamp) : Number.NaN;
}

/** A field's value as label text: strings and numbers as they read, an absent field as the empty value. */
function labelText(value: unknown, maxLabelLength: number): string {
  if (value === undefined || value === null) return "";
  return labelValue(typeof value === "string" ? value : String(value), maxLabelLength);
}

/**
 * Turns a schema-valid object into a stream event: its time read from the
 * stream's time field, and every field that becomes a label made safe to
 * export. Other fields are read by the metrics that name them, nothing else.
 */
export function toStreamEvent(
  contract: StreamContract,
  value: Readonly<Record<string, unknown>>,
  maxLabelLength: number,
): DecodeResult {
  const time = value[contract.timeField];
  const timeMs = timestampMs(time);
  if (!Number.isFinite(timeMs)) {
    return rejected("invalid_timestamp", `/${contract.timeField} is not a real date: ${String(time)}`);
  }
  const fields = contract.labelFields;
  const labels = new Array<string>(fields.length);
  for (let i = 0; i < fields.length; i++) labels[i] = labelText(value[fields[i] as string], maxLabelLength);
  const event: StreamEvent = { fields: value, labels, timeMs };
  return { status: "ok", event };
}
