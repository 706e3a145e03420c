import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRecord, encodeValues } from "../../src/state/changelog/changelog-codec.js";

const KEY = '["detection","7","yolov8n"]';

function decoded(value: Buffer): Float64Array {
  const record = decodeRecord(KEY, value);
  if (record.type !== "entry" || record.values === null)
    throw new Error(`not an entry: ${JSON.stringify(record)}`);
  expect(record.layoutId).toBe("0a1b2c3d");
  return record.values;
}

describe("the changelog's entry values", () => {
  it("read back every slot exactly, zeros left out of the bytes (-0, NaN and infinities kept as they were)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.double()), { maxLength: 400 }), (slots) => {
        const values = Float64Array.from(slots);
        const back = decoded(encodeValues("0a1b2c3d", values));
        expect(back.length).toBe(values.length);
        expect([...values].map((v, i) => Object.is(back[i], v))).not.toContain(false);
      }),
      { numRuns: 500 },
    );
  });

  it("keep a native histogram's mostly empty window small: 184 slots with 20 counts take 190 bytes, not 1,477", () => {
    const values = new Float64Array(184);
    for (let i = 0; i < 20; i++) values[10 + i] = i + 1;
    expect(encodeValues("0a1b2c3d", values).length).toBe(5 + 2 + 23 + 20 * 8);
  });

  it("still read the version-2 values earlier releases wrote (every slot)", () => {
    const v2 = Buffer.alloc(5 + 3 * 8);
    v2[0] = 2;
    v2.write("0a1b2c3d", 1, 4, "hex");
    [1.5, 0, 7].forEach((v, i) => {
      v2.writeDoubleLE(v, 5 + i * 8);
    });
    expect([...decoded(v2)]).toEqual([1.5, 0, 7]);
  });

  it("call a value they cannot read unknown, never throw", () => {
    const truncated = encodeValues("0a1b2c3d", Float64Array.from([1, 2, 3])).subarray(0, 20);
    expect(decodeRecord(KEY, truncated)).toMatchObject({ type: "unknown" });
    expect(decodeRecord(KEY, Buffer.from([9, 0, 0, 0, 0]))).toMatchObject({ type: "unknown" });
  });
});
