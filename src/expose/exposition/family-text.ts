import type { MetricFamily } from "../../aggregate/metric-family.js";
import type { SeriesEntry } from "../../aggregate/series-table.js";
import { type BodyChunk, type BodyRun, bytesFrom } from "./body-run.js";
import type { ExpositionFormat } from "./exposition-format.js";
import { familyHead, protobufSeriesWriter } from "./protobuf/protobuf-writer.js";
import { familyHeader, type SeriesWriter, seriesWriter } from "./render-families.js";

/** What one family's text is made of, in one format, kept between scrapes. */
export interface FamilyText {
  /** The text formats' HELP and TYPE lines; in protobuf, the head made for the last length seen. */
  header: BodyChunk;
  /** Protobuf: the length of the series' bytes the header was made for. */
  headerFor?: number;
  readonly writer: SeriesWriter;
  /** Each shown partition's text, by the partition's table: replaced whole at the end of a refresh. */
  parts: WeakMap<object, PartText>;
}

/** A partition's text, made from the part's `version`, in blocks of entries. */
export interface PartText {
  readonly version: number;
  readonly blocks: readonly BlockText[];
  /** Each entry's place in the part: a publish that only changed some entries makes only their blocks again. */
  readonly places: ReadonlyMap<SeriesEntry, number>;
}

/**
 * The text of a block of consecutive entries, one string (or bytes) each,
 * with the state each was made from: parallel arrays rather than an object
 * per entry, so what is kept beside the text is a few bytes per entry.
 */
export interface BlockText extends BodyChunk {
  readonly entries: readonly SeriesEntry[];
  readonly shown: readonly Float64Array[];
}

export function newFamilyText(family: MetricFamily, format: ExpositionFormat): FamilyText {
  if (format === "protobuf")
    return { header: { texts: [] }, writer: protobufSeriesWriter(family), parts: new WeakMap() };
  return {
    header: { texts: [familyHeader(family, format)] },
    writer: seriesWriter(family, format),
    parts: new WeakMap(),
  };
}

/**
 * A protobuf family's head, for the family's runs from `first` on: its
 * length depends on every series in it, so it is made again (a few bytes)
 * when that length changed, and kept (the same chunk, so its run's bytes
 * are kept too) while it did not.
 */
export function protobufHead(
  family: MetricFamily,
  text: FamilyText,
  runs: BodyRun[],
  first: number,
): BodyChunk {
  const length = bytesFrom(runs, first, text.header);
  if (text.headerFor !== length) {
    text.header = { texts: [familyHead(family, length)] };
    text.headerFor = length;
  }
  return text.header;
}
