import { constants, crc32, createDeflateRaw } from "node:zlib";

/**
 * A run of a gzip body's bytes, compressed on its own: raw DEFLATE data
 * that starts from an empty dictionary and ends on a byte boundary without
 * a final block (a full flush), so runs compressed at different times can
 * follow each other in one gzip member.
 */
export interface DeflatedSegment {
  readonly deflated: Buffer;
  /** CRC-32 of the uncompressed bytes. */
  readonly crc: number;
  /** Uncompressed length. */
  readonly length: number;
  /** {@link crc32Shift} of the length, made once per segment: combining CRCs is then one multiplication. */
  readonly shift: number;
}

/**
 * Compresses runs of bytes into one segment each, on the thread pool: the
 * runs split into `streams` stretches, each compressed by one zlib stream
 * (a stream costs a few hundred microseconds to set up; a run, a flush).
 * A run's bytes are asked for (`bytesOf`) just before its stream takes it,
 * so they are made while the thread pool compresses the run before; they
 * may be made in `scratch(length)`, a buffer each stream reuses from run to
 * run (a new buffer of a few hundred KiB per run is new memory pages to
 * fault in, a hundred MiB of them per scrape at a million series). Level 1:
 * several times faster than the default, a few percent larger.
 */
export async function deflateSegments(
  count: number,
  bytesOf: (run: number, scratch: (length: number) => Buffer) => Buffer,
  streams = 2,
): Promise<DeflatedSegment[]> {
  const segments = new Array<DeflatedSegment>(count);
  const per = Math.ceil(count / streams);
  const stretches = [];
  for (let from = 0; from < count; from += per)
    stretches.push(deflateStretch(from, Math.min(count, from + per)));
  await Promise.all(stretches);
  return segments;

  async function deflateStretch(from: number, to: number): Promise<void> {
    const stream = createDeflateRaw({ level: 1, chunkSize: 256 * 1024 });
    let reused = Buffer.alloc(0);
    const scratch = (length: number) => {
      if (reused.length < length) reused = Buffer.allocUnsafeSlow(Math.max(length, 2 * reused.length));
      return reused.subarray(0, length);
    };
    let chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    const failed = new Promise<never>((_, reject) => stream.once("error", reject));
    failed.catch(() => {});
    try {
      for (let run = from; run < to; run++) {
        const bytes = bytesOf(run, scratch);
        stream.write(bytes);
        // The flush's callback runs once its output is pushed: the chunks so far are this run's.
        await Promise.race([
          new Promise<void>((resolve) => stream.flush(constants.Z_FULL_FLUSH, () => resolve())),
          failed,
        ]);
        segments[run] = {
          deflated: Buffer.concat(chunks),
          crc: crc32(bytes),
          length: bytes.length,
          shift: crc32Shift(bytes.length),
        };
        chunks = [];
      }
    } finally {
      stream.close();
    }
  }
}

/** The CRC-32 polynomial, reflected. */
const POLY = 0xedb88320;

/** a × b modulo the CRC polynomial (bit-reflected), as zlib's `multmodp`; `a` must not be 0. */
function multmodp(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^n) modulo the polynomial, n = 0…31. */
const X2N = new Uint32Array(32);
X2N[0] = 0x40000000;
for (let n = 1; n < 32; n++) X2N[n] = multmodp(X2N[n - 1] as number, X2N[n - 1] as number);

/** x^(8 × length) modulo the polynomial: what appending `length` bytes does to a CRC before them. */
export function crc32Shift(length: number): number {
  let p = 0x80000000;
  for (let n = length, k = 3; n > 0; n = Math.floor(n / 2), k++) {
    if (n % 2 === 1) p = multmodp(X2N[k & 31] as number, p);
  }
  return p;
}

/**
 * The CRC-32 of two byte runs one after the other, from the CRC of each and
 * the second's {@link crc32Shift}: zlib's `crc32_combine`, which Node.js
 * does not expose.
 */
export function crc32Combine(crc1: number, crc2: number, shift2: number): number {
  return (multmodp(shift2, crc1) ^ crc2) >>> 0;
}

/** The fixed gzip header: deflate, no name, no time, unknown OS. */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);
/** An empty final block with fixed codes: ends the DEFLATE stream. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/** One gzip member from segments compressed apart: header, their data, a final block, CRC-32 and length. */
export function gzipMember(segments: readonly DeflatedSegment[]): Buffer[] {
  let crc = 0;
  let length = 0;
  for (const segment of segments) {
    crc = crc32Combine(crc, segment.crc, segment.shift);
    length += segment.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return [HEADER, ...segments.map((s) => s.deflated), FINAL_BLOCK, trailer];
}
