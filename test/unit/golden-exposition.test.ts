import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { eventFamilies } from "../../src/aggregate/event-families.js";
import { PartitionState } from "../../src/aggregate/partition-state.js";
import type { StreamModel } from "../../src/aggregate/stream-model.js";
import { createMessageDecoder } from "../../src/decode/message-decoder.js";
import { renderFamilies } from "../../src/expose/render-families.js";
import { testCatalogue } from "../support/catalogue.js";
import {
  GOLDEN_DETECTIONS,
  GOLDEN_LLM_CALLS,
  GOLDEN_NOW,
  GOLDEN_SERIES_LIMIT,
} from "../support/golden-events.js";

const GOLDEN = new URL("../golden/", import.meta.url);

/**
 * The event families after the golden events, committed, as `/metrics`
 * renders them in a format: from the shipped catalogue with the default
 * settings (those the golden exposition was stored with).
 */
async function exposition(format: "prometheus" | "openmetrics"): Promise<string> {
  const { models, contracts } = testCatalogue();
  const decode = createMessageDecoder({ maxEventBytes: 65_536, maxLabelLength: 128 }, contracts);
  const states: Record<string, PartitionState[]> = { detection: [], llm: [] };
  for (const [kind, partitions] of [
    ["detection", GOLDEN_DETECTIONS],
    ["llm", GOLDEN_LLM_CALLS],
  ] as const) {
    partitions.forEach((values, partition) => {
      const state = new PartitionState(kind, partition, models.get(kind) as StreamModel, {
        seriesLimit: GOLDEN_SERIES_LIMIT,
        visibility: "committed",
      });
      values.forEach((value, offset) => {
        const result = decode(kind, Buffer.from(value));
        if (result.status !== "ok") throw new Error(`golden event ${value} did not decode: ${result.status}`);
        state.apply(result.event, GOLDEN_NOW - 1_000 + offset);
        state.advance(String(offset + 1), 1);
      });
      state.snapshot().publish();
      states[kind]?.push(state);
    });
  }
  const families = eventFamilies(
    [...models.values()],
    (stream) => states[stream] ?? [],
    () => GOLDEN_NOW,
  );
  return await renderFamilies(families.all, format);
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
