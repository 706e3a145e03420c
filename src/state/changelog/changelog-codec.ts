import type { PartitionMeta } from "../../aggregate/partition-state.js";
import type { ColumnLayout } from "../../aggregate/table-definition.js";

/**
 * The changelog's record format, in one place. Pure: no Kafka here.
 *
 * - An entry: key `["<table key>", label values…]` (JSON; `[key, null]` for
 *   the overflow entry), value a version byte, the 4-byte id of the layout it
 *   was written with, then the entry's float64 slots: always the cumulative
 *   state, never a delta, so the newest record of a key is all a restore
 *   needs and compaction may drop the rest. Version 3 (written now): the
 *   slot count (uint16), a bitmap of the slots that are not 0, then those
 *   slots, little-endian — a native histogram's window is mostly zeros.
 *   Version 2 (read still): every slot, little-endian.
 * - A layout: key `@layout:<id>`, value JSON naming the table and its columns.
 *   Written once per partition, before the first entry that uses it; a key
 *   written once is never compacted away, so a restore can read an entry of
 *   any layout the partition ever had.
 * - The partition: key `@partition`, value JSON with the next input offset,
 *   the partition's record-time watermark, its overflow counts and its
 *   owner epoch (written before 0.2 without one: 0).
 * - A `null` value (tombstone) removes its key.
 */
const VALUE_VERSION = 2;
/** Entry values with a bitmap of non-zero slots; version 2 entries are every slot. */
const ENTRY_VERSION = 3;
export const PARTITION_KEY = "@partition";
export const LAYOUT_PREFIX = "@layout:";
const HEADER_BYTES = 5;
/** Slots an entry may have in version 3 (its count is a uint16). */
const MAX_SLOTS = 0xffff;

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
  const n = values.length;
  if (n > MAX_SLOTS) throw new Error(`an entry of ${n} slots: at most ${MAX_SLOTS}`);
  const bitmapBytes = (n + 7) >> 3;
  let nonZero = 0;
  // Object.is: -0 is kept as it is (a slot's exact bits), NaN too.
  for (let i = 0; i < n; i++) if (!Object.is(values[i], 0)) nonZero++;
  // Not zeroed but the bitmap: every other byte is written below.
  const out = Buffer.allocUnsafe(HEADER_BYTES + 2 + bitmapBytes + nonZero * 8);
  out[0] = ENTRY_VERSION;
  out.write(layoutId, 1, 4, "hex");
  out.writeUInt16LE(n, HEADER_BYTES);
  const bitmap = HEADER_BYTES + 2;
  out.fill(0, bitmap, bitmap + bitmapBytes);
  let at = bitmap + bitmapBytes;
  for (let i = 0; i < n; i++) {
    const value = values[i] as number;
    if (Object.is(value, 0)) continue;
    out[bitmap + (i >> 3)] = (out[bitmap + (i >> 3)] as number) | (1 << (i & 7));
    out.writeDoubleLE(value, at);
    at += 8;
  }
  return out;
}

/** An entry's slots from its value, either version; `undefined` if the value is not one. */
function decodeValues(value: Buffer): Float64Array | undefined {
  if (value.length < HEADER_BYTES) return undefined;
  if (value[0] === VALUE_VERSION) {
    if ((value.length - HEADER_BYTES) % 8 !== 0) return undefined;
    const values = new Float64Array((value.length - HEADER_BYTES) / 8);
    for (let i = 0; i < values.length; i++) values[i] = value.readDoubleLE(HEADER_BYTES + i * 8);
    return values;
  }
  if (value[0] !== ENTRY_VERSION || value.length < HEADER_BYTES + 2) return undefined;
  const n = value.readUInt16LE(HEADER_BYTES);
  const bitmap = HEADER_BYTES + 2;
  let at = bitmap + ((n + 7) >> 3);
  if (at > value.length) return undefined;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (((value[bitmap + (i >> 3)] as number) & (1 << (i & 7))) === 0) continue;
    if (at + 8 > value.length) return undefined;
    values[i] = value.readDoubleLE(at);
    at += 8;
  }
  return at === value.length ? values : undefined;
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
  const values = decodeValues(value);
  if (values === undefined)
    return { type: "unknown", detail: `entry value of ${value.length} bytes, version ${value[0]}` };
  return { type: "entry", tableKey, labels, layoutId: value.toString("hex", 1, HEADER_BYTES), values };
}

function decodeMeta(value: Buffer | null): DecodedRecord {
  if (value === null) return { type: "partition", meta: null };
  try {
    const meta = JSON.parse(value.toString("utf8")) as PartitionMeta & { v: number };
    if (meta.v !== VALUE_VERSION) return { type: "unknown", detail: `partition record version ${meta.v}` };
    return {
      type: "partition",
      meta: {
        nextOffset: meta.nextOffset,
        watermarkMs: meta.watermarkMs,
        overflowed: meta.overflowed ?? {},
        ownerEpoch: meta.ownerEpoch ?? 0,
      },
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
