/**
 * A piece of a `/metrics` body: its text (or, in the protobuf format, its
 * bytes), in pieces sent one after the other. A chunk is never changed: text that changes is a new chunk, so a
 * chunk's identity says whether what was made of it is still good.
 */
export interface BodyChunk {
  readonly texts: readonly (string | Uint8Array)[];
}

/** Chunks turned into bytes, and compressed, as one. */
export type BodyRun = readonly BodyChunk[];

/** Pieces of one entry as one: strings joined, bytes concatenated. */
export function joinPieces(pieces: readonly (string | Uint8Array)[]): string | Uint8Array {
  if (typeof pieces[0] === "string") return pieces.join("");
  return Buffer.concat(pieces as Uint8Array[]);
}

/** Bytes of a chunk of protobuf pieces, by the chunk: a chunk never changes, so once is enough. */
const chunkBytes = new WeakMap<BodyChunk, number>();

/** The bytes of the chunks of `runs` from `first` on, `skip` aside (protobuf pieces only). */
export function bytesFrom(runs: readonly BodyRun[], first: number, skip: BodyChunk): number {
  let length = 0;
  for (let i = first; i < runs.length; i++) {
    for (const chunk of runs[i] as BodyRun) {
      if (chunk === skip) continue;
      let bytes = chunkBytes.get(chunk);
      if (bytes === undefined) {
        bytes = 0;
        for (const piece of chunk.texts) bytes += (piece as Uint8Array).length;
        chunkBytes.set(chunk, bytes);
      }
      length += bytes;
    }
  }
  return length;
}
