import type { ExpositionFormat } from "../../src/expose/exposition/exposition-format.js";
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
  format: ExpositionFormat,
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
      for (const series of family.series()) chunks.push(writer.histogram(series));
    else for (const series of family.series()) chunks.push(writer.scalar(series));
  }
  return chunks.join("");
}
