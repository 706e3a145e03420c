import { crc32, gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BodyBytes } from "../../src/expose/exposition/body-bytes.js";
import {
  crc32Combine,
  crc32Shift,
  deflateSegments,
  gzipMember,
} from "../../src/expose/exposition/gzip-segments.js";

describe("a gzip body from pieces compressed apart", () => {
  it("combines CRC-32s as zlib does, for any two byte runs", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
        const whole = crc32(Buffer.concat([a, b]));
        expect(crc32Combine(crc32(a), crc32(b), crc32Shift(b.length))).toBe(whole);
      }),
      { numRuns: 300 },
    );
    // A run past 2^24 bytes: the shift is built from more than the small powers.
    const zeros = Buffer.alloc(2 ** 24 + 3);
    expect(crc32Combine(crc32("abc"), crc32(zeros), crc32Shift(zeros.length))).toBe(
      crc32(zeros, crc32("abc")),
    );
  });

  it("is one valid gzip member that any gunzip reads back whole, empty pieces and large ones included", async () => {
    const runs = [
      [Buffer.from("# HELP a_total A.\n# TYPE a_total counter\n"), Buffer.alloc(0)],
      [Buffer.from('a_total{x="é"} 1\n'.repeat(100_000)), Buffer.from("a_total 2\n")],
      [Buffer.alloc(0)],
      [Buffer.from("# EOF\n")],
    ];
    const segments = await deflateSegments(runs.length, (i) => Buffer.concat(runs[i] as Buffer[]));
    const body = Buffer.concat(gzipMember(segments));
    expect(gunzipSync(body).equals(Buffer.concat(runs.flat()))).toBe(true);
    // A kept segment serves again, after others compressed later.
    const [b] = await deflateSegments(1, () => Buffer.from("b 2\n"));
    const again = Buffer.concat(gzipMember([segments[0] as never, b as never, segments[3] as never]));
    expect(gunzipSync(again).toString()).toBe("# HELP a_total A.\n# TYPE a_total counter\nb 2\n# EOF\n");
  });
});

describe("the bytes of kept runs", () => {
  it("makes and compresses again only the runs whose chunks changed", async () => {
    const header = { texts: ["# TYPE a counter\n"] };
    const one = { texts: ['a_total{x="1"} 1\n'] };
    const two = { texts: ['a_total{x="2"} 1\n'] };
    const bytes = new BodyBytes();
    const first = await bytes.gzip([[header, one], [two]]);
    const twoAgain = { texts: ['a_total{x="2"} 5\n'] };
    const second = await bytes.gzip([[header, one], [twoAgain]]);
    expect(gunzipSync(Buffer.concat(second)).toString()).toBe(
      '# TYPE a counter\na_total{x="1"} 1\na_total{x="2"} 5\n',
    );
    // The first run's compressed bytes are the very ones of the first scrape; the second run's are new.
    expect(second[1]).toBe(first[1]);
    expect(second[2]).not.toBe(first[2]);
    const plain = await bytes.plain([[header, one], [twoAgain]]);
    expect(Buffer.concat(plain).toString()).toBe('# TYPE a counter\na_total{x="1"} 1\na_total{x="2"} 5\n');
    expect((await bytes.plain([[header, one], [twoAgain]]))[0]).toBe(plain[0]);
  });
});
