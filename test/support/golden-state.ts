import { type EventFamilies, eventFamilies } from "../../src/aggregate/event-families.js";
import { PartitionState } from "../../src/aggregate/partition-state.js";
import type { StreamModel } from "../../src/aggregate/stream-model.js";
import { createMessageDecoder } from "../../src/decode/message-decoder.js";
import { testCatalogue } from "./catalogue.js";
import { GOLDEN_DETECTIONS, GOLDEN_LLM_CALLS, GOLDEN_NOW, GOLDEN_SERIES_LIMIT } from "./golden-events.js";

/** The partition states after the golden events, published, and the families `/metrics` renders from them. */
export interface GoldenState {
  readonly states: Readonly<Record<"detection" | "llm", PartitionState[]>>;
  readonly families: EventFamilies;
  /** Applies wire events to a partition's state at the golden time (not published). */
  apply(stream: "detection" | "llm", partition: number, values: readonly string[]): void;
}

/**
 * The golden events applied through the shipped catalogue with the default
 * settings (those the golden exposition was stored with), each partition
 * published as a commit would.
 */
export function goldenState(): GoldenState {
  const { models, contracts } = testCatalogue();
  const decode = createMessageDecoder({ maxEventBytes: 65_536, maxLabelLength: 128 }, contracts);
  const states: Record<"detection" | "llm", PartitionState[]> = { detection: [], llm: [] };
  const apply = (stream: "detection" | "llm", partition: number, values: readonly string[]) => {
    const state = states[stream][partition] as PartitionState;
    for (const value of values) {
      const result = decode(stream, Buffer.from(value));
      if (result.status !== "ok") throw new Error(`golden event ${value} did not decode: ${result.status}`);
      const offset = Number(state.nextOffset ?? 0);
      state.apply(result.event, GOLDEN_NOW - 1_000 + offset);
      state.advance(String(offset + 1), 1);
    }
  };
  for (const [stream, partitions] of [
    ["detection", GOLDEN_DETECTIONS],
    ["llm", GOLDEN_LLM_CALLS],
  ] as const) {
    partitions.forEach((values, partition) => {
      states[stream].push(
        new PartitionState(stream, partition, models.get(stream) as StreamModel, {
          seriesLimit: GOLDEN_SERIES_LIMIT,
        }),
      );
      apply(stream, partition, values);
      states[stream][partition]?.snapshot().publish();
    });
  }
  const families = eventFamilies(
    [...models.values()],
    (stream) => states[stream as "detection" | "llm"] ?? [],
    () => GOLDEN_NOW,
  );
  return { states, families, apply };
}
