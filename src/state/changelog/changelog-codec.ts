import type { PartitionMeta } from "../../aggregate/partition-state.js";
import type { ColumnLayout } from "../../aggregate/table-definition.js";

/**
 * The changelog's record format, in one place. Pure: no Kafka here.
 *
 * - An entry: key `["<table key>", label values…]` (JSON; `[key, null]` for
 *   the overflow entry), value a version byte, the 4-byte id of the layout it
 *   was written with, then the entry's float64 slots, little-endian: always
 *   the cumulative state, never a delta, so the newest record of a key is all
 *   a restore needs and compaction may drop the rest.
 * - A layout: key `@layout:<id>`, value JSON naming the table and its columns.
 *   Written once per partition, before the first entry that uses it; a key
 *   written once is never compacted away, so a restore can read an entry of
 *   any layout the partition ever had.
 * - The partition: key `@partition`, value JSON with the next input offset,
 *   the partition's record-time watermark and its overflow counts.
 * - A `null` value (tombstone) removes its key.
 */
const VALUE_VERSION = 2;
export const PARTITION_KEY = "@partition";
export const LAYOUT_PREFIX = "@layout:";
const HEADER_BYTES = 5;

/** One changelog record as written: a key and a value or a tombstone. */
export interface ChangelogRecord {
  readonly key: string;
  readonly value: Buffer | null;
}

/** A changelog record as read back. */
export type DecodedRecord =
  | {
      readonly type: "entry";
      readonly tableKey: string;
      readonly labels: string[] | null;
      /** `undefined` for a tombstone. */
      readonly layoutId: string | undefined;
      readonly values: Float64Array | null;
    }
  | { readonly type: "layout"; readonly layoutId: string; readonly columns: readonly ColumnLayout[] }
  | { readonly type: "partition"; readonly meta: PartitionMeta | null }
  | { readonly type: "unknown"; readonly detail: string };

export function entryKey(tableKey: string, labels: readonly string[] | null): string {
  return JSON.stringify(labels === null ? [tableKey, null] : [tableKey, ...labels]);
}

export function encodeValues(layoutId: string, values: Float64Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + values.length * 8);
  out[0] = VALUE_VERSION;
  out.write(layoutId, 1, 4, "hex");
  for (let i = 0; i < values.length; i++) out.writeDoubleLE(values[i] as number, HEADER_BYTES + i * 8);
  return out;
}

export function layoutRecord(
  tableKey: string,
  layoutId: string,
  columns: readonly ColumnLayout[],
): ChangelogRecord {
  return {
    key: `${LAYOUT_PREFIX}${layoutId}`,
    value: Buffer.from(JSON.stringify({ v: VALUE_VERSION, table: tableKey, columns })),
  };
}

export function encodeMeta(meta: PartitionMeta): Buffer {
  return Buffer.from(JSON.stringify({ v: VALUE_VERSION, ...meta }));
}

/** Reads one record; anything this version cannot read is `unknown`, never an exception. */
export function decodeRecord(key: string, value: Buffer | null): DecodedRecord {
  if (key === PARTITION_KEY) return decodeMeta(value);
  if (key.startsWith(LAYOUT_PREFIX)) return decodeLayout(key.slice(LAYOUT_PREFIX.length), value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    return { type: "unknown", detail: "key is not JSON" };
  }
  if (!Array.isArray(parsed) || typeof parsed[0] !== "string")
    return { type: "unknown", detail: "key is not an entry key" };
  const [tableKey, ...rest] = parsed as [string, ...unknown[]];
  const labels = rest.length === 1 && rest[0] === null ? null : (rest as string[]);
  if (value === null) return { type: "entry", tableKey, labels, layoutId: undefined, values: null };
  if (value[0] !== VALUE_VERSION || value.length < HEADER_BYTES || (value.length - HEADER_BYTES) % 8 !== 0) {
    return { type: "unknown", detail: `entry value of ${value.length} bytes, version ${value[0]}` };
  }
  const values = new Float64Array((value.length - HEADER_BYTES) / 8);
  for (let i = 0; i < values.length; i++) values[i] = value.readDoubleLE(HEADER_BYTES + i * 8);
  return { type: "entry", tableKey, labels, layoutId: value.toString("hex", 1, HEADER_BYTES), values };
}

function decodeMeta(value: Buffer | null): DecodedRecord {
  if (value === null) return { type: "partition", meta: null };
  try {
    const meta = JSON.parse(value.toString("utf8")) as PartitionMeta & { v: number };
    if (meta.v !== VALUE_VERSION) return { type: "unknown", detail: `partition record version ${meta.v}` };
    return {
      type: "partition",
      meta: { nextOffset: meta.nextOffset, watermarkMs: meta.watermarkMs, overflowed: meta.overflowed ?? {} },
    };
  } catch (error) {
    return { type: "unknown", detail: `partition record: ${(error as Error).message}` };
  }
}

function decodeLayout(layoutId: string, value: Buffer | null): DecodedRecord {
  if (value === null || !/^[0-9a-f]{8}$/.test(layoutId))
    return { type: "unknown", detail: `layout record ${layoutId}` };
  try {
    const layout = JSON.parse(value.toString("utf8")) as { v: number; columns: ColumnLayout[] };
    if (layout.v !== VALUE_VERSION || !Array.isArray(layout.columns)) {
      return { type: "unknown", detail: `layout record version ${layout.v}` };
    }
    return { type: "layout", layoutId, columns: layout.columns };
  } catch (error) {
    return { type: "unknown", detail: `layout record: ${(error as Error).message}` };
  }
}
