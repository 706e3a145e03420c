import { yieldToEventLoop } from "../../util/yield-to-event-loop.js";
import type { BodyChunk, BodyRun } from "./body-run.js";
import { type DeflatedSegment, deflateSegments, gzipMember } from "./gzip-segments.js";

/** Bytes made between two yields to the event loop. */
const BYTES_PER_SLICE = 4 * 2 ** 20;

/** What was made of a run: its bytes (once a plain scrape asked) and its compressed form (once a gzip one did). */
interface KeptRun {
  /** The run's chunks, held weakly: what they replaced is not kept alive by this. */
  readonly chunks: readonly WeakRef<BodyChunk>[];
  bytes?: Buffer;
  segment?: Promise<DeflatedSegment>;
}

/**
 * The bytes of `/metrics` bodies, plain or gzip, made run by run and kept
 * with the run: a scrape makes (and compresses, on the thread pool) only the
 * runs whose chunks changed since the last scrape in that encoding. What is
 * kept for a run lives as long as its first chunk does. Gzip bodies keep
 * only the compressed bytes: Prometheus scrapes with gzip, so the text is
 * not held twice for it.
 */
export class BodyBytes {
  private readonly kept = new WeakMap<BodyChunk, KeptRun>();

  /** The body's bytes, run by run, to send in order. */
  async plain(body: readonly BodyRun[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    let made = 0;
    for (const run of body) {
      const kept = this.keptRun(run);
      if (kept.bytes === undefined) {
        kept.bytes = runBytes(run);
        made += kept.bytes.length;
        if (made >= BYTES_PER_SLICE) {
          made = 0;
          await yieldToEventLoop();
        }
      }
      out.push(kept.bytes);
    }
    return out;
  }

  /** One gzip member of the body, as chunks to send in order. */
  async gzip(runs: readonly BodyRun[]): Promise<Buffer[]> {
    const kept = runs.map((run) => this.keptRun(run));
    const missing = runs.filter((_, i) => kept[i]?.segment === undefined);
    if (missing.length > 0) {
      const made = deflateSegments(missing.length, (i, scratch) => {
        const run = missing[i] as BodyRun;
        return this.keptRun(run).bytes ?? runBytes(run, scratch);
      });
      missing.forEach((run, at) => {
        const kept = this.keptRun(run);
        const segment = made.then((all) => all[at] as DeflatedSegment);
        // Kept at once: a scrape that comes while this one compresses waits for the same work.
        kept.segment = segment;
        segment.catch(() => {
          if (kept.segment === segment) kept.segment = undefined;
        });
      });
    }
    return gzipMember(await Promise.all(kept.map((run) => run.segment as Promise<DeflatedSegment>)));
  }

  private keptRun(run: BodyRun): KeptRun {
    const first = run[0] as BodyChunk;
    const kept = this.kept.get(first);
    if (
      kept &&
      kept.chunks.length === run.length &&
      kept.chunks.every((chunk, i) => chunk.deref() === run[i])
    )
      return kept;
    const made: KeptRun = { chunks: run.map((chunk) => new WeakRef(chunk)) };
    this.kept.set(first, made);
    return made;
  }
}

/**
 * A run's text as UTF-8 (and bytes as they are), in a buffer from `alloc`: by default one of its own
 * (not a slice of a shared pool that it would keep alive).
 */
function runBytes(run: BodyRun, alloc: (length: number) => Buffer = Buffer.allocUnsafeSlow): Buffer {
  let length = 0;
  for (const chunk of run)
    for (const text of chunk.texts)
      length += typeof text === "string" ? Buffer.byteLength(text) : text.length;
  const bytes = alloc(length);
  let at = 0;
  for (const chunk of run) {
    for (const text of chunk.texts) {
      if (typeof text === "string") at += bytes.write(text, at, "utf8");
      else {
        bytes.set(text, at);
        at += text.length;
      }
    }
  }
  return bytes;
}
