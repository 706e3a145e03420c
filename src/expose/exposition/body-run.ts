/**
 * A piece of a `/metrics` body: its text, in strings sent one after the
 * other. A chunk is never changed: text that changes is a new chunk, so a
 * chunk's identity says whether what was made of it is still good.
 */
export interface BodyChunk {
  readonly texts: readonly string[];
}

/** Chunks turned into bytes, and compressed, as one. */
export type BodyRun = readonly BodyChunk[];
