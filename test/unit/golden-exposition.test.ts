import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { eventFamilies } from "../../src/aggregate/event-families.js";
import { builtinMappings } from "../../src/aggregate/event-mappings.js";
import { PartitionState } from "../../src/aggregate/partition-state.js";
import { createMessageDecoder } from "../../src/decode/message-decoder.js";
import type { EventKind } from "../../src/events/domain-event.js";
import { renderFamilies } from "../../src/expose/render-families.js";
import {
  GOLDEN_DETECTIONS,
  GOLDEN_LLM_CALLS,
  GOLDEN_NOW,
  GOLDEN_SERIES_LIMIT,
} from "../support/golden-events.js";

const GOLDEN = new URL("../golden/", import.meta.url);

/** The event families after the golden events, committed, as `/metrics` renders them in a format. */
async function exposition(format: "prometheus" | "openmetrics"): Promise<string> {
  const mappings = builtinMappings({
    detectionBuckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    llmBuckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120],
    successRateWindowMs: 300_000,
  });
  const decode = createMessageDecoder({ maxEventBytes: 65_536, maxLabelLength: 128 });
  const states: Record<EventKind, PartitionState[]> = { detection: [], llm: [] };
  for (const [kind, partitions] of [
    ["detection", GOLDEN_DETECTIONS],
    ["llm", GOLDEN_LLM_CALLS],
  ] as const) {
    partitions.forEach((values, partition) => {
      const state = new PartitionState(kind, partition, mappings.byKind[kind], {
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
      states[kind].push(state);
    });
  }
  const families = eventFamilies(
    mappings,
    (kind) => states[kind],
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
