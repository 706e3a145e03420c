import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { goldenState } from "../support/golden-state.js";
import { renderFamilies } from "../support/render-families.js";

const GOLDEN = new URL("../golden/", import.meta.url);

/** The event families after the golden events, committed, as `/metrics` renders them in a format. */
async function exposition(format: "prometheus" | "openmetrics"): Promise<string> {
  return await renderFamilies(goldenState().families.all, format);
}

describe("the exposition of the built-in metrics", () => {
  it.each(["prometheus", "openmetrics"] as const)(
    "is byte for byte the stored golden exposition (%s), for a fixed set of events",
    async (format) => {
      const file = new URL(`exposition.${format}.txt`, GOLDEN);
      const body = await exposition(format);
      if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) writeFileSync(file, body);
      expect(body).toBe(readFileSync(file, "utf8"));
    },
  );
});
