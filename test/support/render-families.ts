import type { ExpositionFormat, TextFormat } from "../../src/expose/exposition/exposition-format.js";
import {
  familyHead,
  protobufSampleFamily,
  protobufSeriesWriter,
} from "../../src/expose/exposition/protobuf/protobuf-writer.js";
import {
  type ExposedFamily,
  familyHeader,
  sampleFamilyText,
  seriesWriter,
} from "../../src/expose/exposition/render-families.js";

/**
 * Every family in a format, written whole from its series at each call
 * (without the closing `# EOF`): the reference the kept text `/metrics`
 * serves (`EventExposition`) is held to, and what the golden files hold.
 */
export async function renderFamilies(
  families: readonly ExposedFamily[],
  format: TextFormat,
): Promise<string> {
  const chunks: string[] = [];
  for (const family of families) {
    if ("samples" in family) {
      chunks.push(sampleFamilyText(family, format));
      continue;
    }
    chunks.push(familyHeader(family, format));
    const writer = seriesWriter(family, format);
    if (family.type === "histogram")
      for (const series of family.series()) chunks.push(writer.histogram(series) as string);
    else for (const series of family.series()) chunks.push(writer.scalar(series) as string);
  }
  return chunks.join("");
}

/** The same reference in any format, as bytes: the protobuf one written whole, family by family. */
export async function renderFamilyBytes(
  families: readonly ExposedFamily[],
  format: ExpositionFormat,
): Promise<Buffer> {
  if (format !== "protobuf") return Buffer.from(await renderFamilies(families, format));
  const out: Uint8Array[] = [];
  for (const family of families) {
    if ("samples" in family) {
      out.push(protobufSampleFamily(family));
      continue;
    }
    const writer = protobufSeriesWriter(family);
    const series: Uint8Array[] = [];
    if (family.type === "histogram")
      for (const s of family.series()) series.push(writer.histogram(s) as Uint8Array);
    else for (const s of family.series()) series.push(writer.scalar(s) as Uint8Array);
    out.push(familyHead(family, Buffer.concat(series).length), ...series);
  }
  return Buffer.concat(out);
}
