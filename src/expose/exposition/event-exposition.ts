import type { ByEntry, FamilyPart, MetricFamily } from "../../aggregate/metric-family.js";
import type { SeriesEntry } from "../../aggregate/series-table.js";
import { yieldToEventLoop } from "../../util/yield-to-event-loop.js";
import { type BodyChunk, type BodyRun, joinPieces } from "./body-run.js";
import type { ExpositionFormat } from "./exposition-format.js";
import {
  type BlockText,
  type FamilyText,
  newFamilyText,
  type PartText,
  protobufHead,
} from "./family-text.js";
import type { SeriesWriter } from "./render-families.js";

/** Entries (re)written between two yields to the event loop. */
const ENTRIES_PER_SLICE = 250;

/** Entries per block: a block is made again (a few references, no text copied) when one of its entries changes. */
const ENTRIES_PER_BLOCK = 32;

/**
 * Blocks per run, the unit a scrape turns into bytes and compresses (and
 * keeps) as one: about 150 KiB of text either way (a histogram of 12
 * buckets writes 15 lines per entry, a counter or gauge one). Counted in
 * blocks, not bytes, so a run's bounds stay where they are when a number's
 * text grows.
 */
const HISTOGRAM_BLOCKS_PER_RUN = 4;
const SCALAR_BLOCKS_PER_RUN = 48;

/**
 * The text of the event families, made once per change instead of once per
 * scrape. What `/metrics` shows of a partition changes only when its state
 * is published (a commit), and then only for the label sets that changed:
 * each entry's text is kept until its shown state is replaced. `refresh()`,
 * run after each publish, writes the entries that changed (and makes their
 * blocks again, which copies references, not text); a scrape takes the
 * blocks as they are, and while a refresh runs, the blocks from before it
 * (whoever counts a commit as shown waits for its refresh, so what
 * `aggregator_events_committed_total` counts is always in the text served).
 * A format is kept from its first scrape on. Families whose values move with
 * the clock alone (a ratio over a window ending now) and families without
 * entries are written at each scrape.
 */
export class EventExposition {
  /** Per format asked for so far, per family. */
  private readonly texts = new Map<ExpositionFormat, Map<MetricFamily, FamilyText>>();
  /** Entries written since the last yield to the event loop. */
  private written = 0;
  private refreshing: Promise<void> | undefined;
  private again = false;

  constructor(private readonly families: () => readonly MetricFamily[]) {}

  /**
   * The families' text in a format, in runs: a family's header with its
   * first blocks, then runs of a fixed number of blocks. A run is what a
   * scrape turns into bytes and compresses (and keeps) as one; its bounds
   * move only when entries come or go. While a refresh runs, this is the
   * text from before it.
   */
  render(format: ExpositionFormat): Promise<BodyRun[]> {
    const keptWillDo = this.refreshing !== undefined;
    return this.runs(format, (view, text, part) =>
      this.partText(view, text, part, keptWillDo ? "kept" : "store"),
    );
  }

  /**
   * Makes the text of what was just published, in every format served so
   * far; scrapes meanwhile get the text from before, and the new text once
   * all of it is made. Resolves then. Calls while one runs make it run once
   * more after, and share its end.
   */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        for (const format of this.texts.keys()) {
          const staged = new Map<FamilyText, WeakMap<object, PartText>>();
          await this.runs(format, async (view, text, part) => {
            const made = await this.partText(view, text, part, "make");
            let parts = staged.get(text);
            if (parts === undefined) {
              parts = new WeakMap();
              staged.set(text, parts);
            }
            parts.set(part.source, made);
            return made;
          });
          for (const [text, parts] of staged) text.parts = parts;
        }
      } while (this.again);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async runs(
    format: ExpositionFormat,
    partText: (view: ByEntry<unknown>, text: FamilyText, part: FamilyPart) => Promise<PartText>,
  ): Promise<BodyRun[]> {
    const runs: BodyRun[] = [];
    for (const family of this.families()) {
      const text = this.familyText(format, family);
      const first = runs.length;
      let run: BodyChunk[] = [text.header];
      if (family.byEntry === undefined) {
        const series =
          family.type === "histogram"
            ? [...family.series()].map((s) => text.writer.histogram(s))
            : [...family.series()].map((s) => text.writer.scalar(s));
        run.push({ texts: series });
      } else {
        const perRun = family.type === "histogram" ? HISTOGRAM_BLOCKS_PER_RUN : SCALAR_BLOCKS_PER_RUN;
        let blocks = 0;
        for (const part of family.byEntry.parts()) {
          for (const block of (await partText(family.byEntry, text, part)).blocks) {
            run.push(block);
            if (++blocks % perRun === 0) {
              runs.push(run);
              run = [];
            }
          }
        }
      }
      if (run.length > 0) runs.push(run);
      if (format === "protobuf") (runs[first] as BodyChunk[])[0] = protobufHead(family, text, runs, first);
    }
    return runs;
  }

  private familyText(format: ExpositionFormat, family: MetricFamily): FamilyText {
    let byFamily = this.texts.get(format);
    if (byFamily === undefined) {
      byFamily = new Map();
      this.texts.set(format, byFamily);
    }
    let text = byFamily.get(family);
    if (text === undefined) {
      text = newFamilyText(family, format);
      byFamily.set(family, text);
    }
    return text;
  }

  /**
   * A partition's text: the kept one, or one made block by block, each block
   * kept where its entries and their states are those it was made from.
   * `use`: "kept" serves the kept text even if the part changed since (a
   * refresh is making the new one), "store" makes and keeps it, "make" makes
   * it for a refresh to swap in.
   */
  private async partText(
    view: ByEntry<unknown>,
    text: FamilyText,
    part: FamilyPart,
    use: "kept" | "store" | "make",
  ): Promise<PartText> {
    const kept = text.parts.get(part.source);
    if (kept && (kept.version === part.version || use === "kept")) return kept;
    const version = part.version;
    const made = (kept && (await this.changedBlocks(view, text.writer, kept, part))) ?? {
      version,
      ...(await this.allBlocks(view, text.writer, part, kept)),
    };
    // A publish during a yield makes this text older than the part: keep it only if it is not.
    if (use !== "make" && version === part.version) text.parts.set(part.source, made);
    return made;
  }

  /**
   * The kept text with the blocks of the entries changed since made again,
   * when the part can tell which those are; else undefined.
   */
  private async changedBlocks(
    view: ByEntry<unknown>,
    writer: SeriesWriter,
    kept: PartText,
    part: FamilyPart,
  ): Promise<PartText | undefined> {
    const version = part.version;
    const changed = part.changedSince(kept.version);
    if (changed === undefined) return undefined;
    const touched = new Set<number>();
    for (const entry of changed) {
      const place = kept.places.get(entry);
      if (place === undefined) return undefined;
      touched.add(Math.floor(place / ENTRIES_PER_BLOCK));
    }
    const blocks = kept.blocks.slice();
    for (const at of touched) {
      const block = blocks[at] as BlockText;
      blocks[at] = await this.blockText(view, writer, block.entries, block);
    }
    return { version, blocks, places: kept.places };
  }

  /** Every block of the part, each kept (from `kept`, at the same place) where nothing in it changed. */
  private async allBlocks(
    view: ByEntry<unknown>,
    writer: SeriesWriter,
    part: FamilyPart,
    kept: PartText | undefined,
  ): Promise<{ blocks: BlockText[]; places: Map<SeriesEntry, number> }> {
    const blocks: BlockText[] = [];
    const places = new Map<SeriesEntry, number>();
    let entries: SeriesEntry[] = [];
    for (const entry of part.entries) {
      places.set(entry, places.size);
      entries.push(entry);
      if (entries.length === ENTRIES_PER_BLOCK) {
        blocks.push(await this.blockText(view, writer, entries, kept?.blocks[blocks.length]));
        entries = [];
      }
    }
    if (entries.length > 0)
      blocks.push(await this.blockText(view, writer, entries, kept?.blocks[blocks.length]));
    return { blocks, places };
  }

  /**
   * The text of a block of entries: `kept` (the block at the same place
   * before) if nothing in it changed, else a new block that shares the
   * strings of the entries that did not change.
   */
  private async blockText(
    view: ByEntry<unknown>,
    writer: SeriesWriter,
    entries: readonly SeriesEntry[],
    kept: BlockText | undefined,
  ): Promise<BlockText> {
    const same = (entry: SeriesEntry, i: number) =>
      kept?.entries[i] === entry && kept.shown[i] === entry.shown;
    if (kept && kept.entries.length === entries.length && entries.every(same)) return kept;
    const texts: (string | Uint8Array)[] = [];
    // Each entry's state as its text was made from it: a publish during a yield below replaces the
    // state of entries already written, and the block must not claim their text shows the new one.
    const shown: Float64Array[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as SeriesEntry;
      shown.push(entry.shown);
      if (kept && same(entry, i)) {
        texts.push(kept.texts[i] as string);
        continue;
      }
      const lines: (string | Uint8Array)[] = [];
      for (const series of view.seriesOf(entry)) {
        lines.push(
          "histogram" in (series as object)
            ? writer.histogram(series as never)
            : writer.scalar(series as never),
        );
      }
      // The writers return flat strings (or bytes); joined, several stay one.
      texts.push(lines.length === 1 ? (lines[0] as string | Uint8Array) : joinPieces(lines));
      if (++this.written >= ENTRIES_PER_SLICE) {
        this.written = 0;
        await yieldToEventLoop();
      }
    }
    return { entries, shown, texts };
  }
}
