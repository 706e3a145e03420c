import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { eventFamilies } from "../../src/aggregate/event-families.js";
import type { ByEntry, MetricFamily } from "../../src/aggregate/metric-family.js";
import { PartitionState } from "../../src/aggregate/partition-state.js";
import type { StreamModel } from "../../src/aggregate/stream-model.js";
import { createMessageDecoder } from "../../src/decode/message-decoder.js";
import type { BodyRun } from "../../src/expose/exposition/body-run.js";
import { EventExposition } from "../../src/expose/exposition/event-exposition.js";
import { testCatalogue } from "../support/catalogue.js";
import { goldenState } from "../support/golden-state.js";
import { renderFamilies } from "../support/render-families.js";

const text = (runs: readonly BodyRun[]) =>
  runs.flatMap((run) => run.flatMap((chunk) => chunk.texts)).join("");
const golden = (format: string) =>
  readFileSync(new URL(`../golden/exposition.${format}.txt`, import.meta.url), "utf8");

/** Counts the entries each family writes again, by wrapping its `seriesOf`. */
function countWrites(families: readonly MetricFamily[]): Map<string, number> {
  const writes = new Map<string, number>();
  for (const family of families) {
    const view = family.byEntry as ByEntry<unknown> | undefined;
    if (view === undefined) continue;
    const seriesOf = view.seriesOf.bind(view);
    (view as { seriesOf: typeof seriesOf }).seriesOf = (entry) => {
      writes.set(family.name, (writes.get(family.name) ?? 0) + 1);
      return seriesOf(entry);
    };
  }
  return writes;
}

describe("the event exposition kept between scrapes", () => {
  it.each(["prometheus", "openmetrics"] as const)(
    "serves the golden exposition byte for byte (%s), and writes no entry twice while nothing changes",
    async (format) => {
      const { families } = goldenState();
      const writes = countWrites(families.all);
      const exposition = new EventExposition(() => families.all);
      expect(text(await exposition.render(format))).toBe(golden(format));
      const first = Object.fromEntries(writes);
      expect(first.detection_total).toBe(8);
      expect(text(await exposition.render(format))).toBe(golden(format));
      expect(Object.fromEntries(writes)).toEqual(first);
    },
  );

  it("writes again only the entries a publish changed, and then matches a full render", async () => {
    const { families, states, apply } = goldenState();
    const writes = countWrites(families.all);
    const exposition = new EventExposition(() => families.all);
    await exposition.render("openmetrics");
    writes.clear();
    apply("detection", 0, [
      JSON.stringify({
        event_id: "late",
        timestamp: "2026-11-27T11:59:59.000Z",
        camera_id: 1,
        model_type: "yolov8n",
        latency_seconds: 0.3,
        num_objects: 2,
        num_groups: 1,
        trace_id: "abc",
      }),
    ]);
    states.detection[0]?.snapshot().publish();
    await exposition.render("openmetrics");
    // One detection label set (camera 1, yolov8n) and one camera changed, in one partition.
    expect(Object.fromEntries(writes)).toEqual({
      detection_total: 1,
      detection_latency_seconds: 1,
      detection_objects_total: 1,
      detection_groups_total: 1,
      camera_last_event_timestamp_seconds: 1,
    });
    for (const format of ["prometheus", "openmetrics"] as const) {
      expect(text(await exposition.render(format))).toBe(await renderFamilies(families.all, format));
    }
    expect(text(await exposition.render("openmetrics"))).toContain('# {trace_id="abc"} 0.3');
  });

  it("shows nothing new before a publish: applied but unpublished events stay out of the text", async () => {
    const { families, apply } = goldenState();
    const exposition = new EventExposition(() => families.all);
    const before = text(await exposition.render("prometheus"));
    apply("llm", 0, [
      JSON.stringify({
        event_id: "x",
        timestamp: 1,
        provider: "p",
        model: "m",
        key_id: "k",
        status: "success",
        latency_seconds: 1,
        prompt_tokens: 1,
        completion_tokens: 1,
      }),
    ]);
    expect(text(await exposition.render("prometheus"))).toBe(before);
  });
});

describe("a partition of many blocks", () => {
  /** 100 cameras in one partition: four blocks of entries per family. */
  function manyCameras() {
    const { models, contracts } = testCatalogue();
    const decode = createMessageDecoder({ maxEventBytes: 65_536, maxLabelLength: 128 }, contracts);
    const state = new PartitionState("detection", 0, models.get("detection") as StreamModel, {
      seriesLimit: 1_000,
    });
    const apply = (camera: number, latency: number) => {
      const result = decode(
        "detection",
        Buffer.from(
          JSON.stringify({
            event_id: `e-${camera}-${latency}`,
            timestamp: 1_800_000_000_000,
            camera_id: camera,
            model_type: "yolov8n",
            latency_seconds: latency,
            num_objects: 1,
            num_groups: 1,
          }),
        ),
      );
      if (result.status !== "ok") throw new Error(result.status);
      state.apply(result.event, 1_800_000_000_000);
    };
    for (let camera = 0; camera < 100; camera++) apply(camera, 0.1);
    state.snapshot().publish();
    const families = eventFamilies([models.get("detection") as StreamModel], () => [state]);
    return { state, families, apply };
  }

  it("writes again the one entry that changed, keeps the other blocks, and matches a full render", async () => {
    const { state, families, apply } = manyCameras();
    const writes = countWrites(families.all);
    const exposition = new EventExposition(() => families.all);
    const before = await exposition.render("prometheus");
    expect(text(before)).toBe(await renderFamilies(families.all, "prometheus"));
    writes.clear();
    apply(70, 0.3);
    state.snapshot().publish();
    await exposition.refresh();
    const after = await exposition.render("prometheus");
    expect(text(after)).toBe(await renderFamilies(families.all, "prometheus"));
    expect(writes.get("detection_latency_seconds")).toBe(1);
    expect(writes.get("camera_last_event_timestamp_seconds")).toBe(1);
    // Camera 70 is in the third block (entries 64–95): the blocks before it are the very same chunks.
    const histogramRuns = (runs: typeof before) =>
      runs.flat().filter((chunk) => String(chunk.texts[0]).startsWith("detection_latency_seconds_bucket"));
    const [first, second, third, fourth] = histogramRuns(before);
    const changed = histogramRuns(after);
    expect(changed[0]).toBe(first);
    expect(changed[1]).toBe(second);
    expect(changed[2]).not.toBe(third);
    expect(changed[3]).toBe(fourth);
  });

  it("yields to the event loop between slices of entries while it writes them", async () => {
    const { families } = manyCameras();
    const exposition = new EventExposition(() => families.all);
    let finished = false;
    const rendering = exposition.render("prometheus").then((runs) => {
      finished = true;
      return runs;
    });
    const finishedWhenOtherWorkRan = await new Promise<boolean>((resolve) =>
      setImmediate(() => resolve(finished)),
    );
    expect(text(await rendering)).toBe(await renderFamilies(families.all, "prometheus"));
    expect(finishedWhenOtherWorkRan).toBe(false);
  });

  it("keeps no text older than the state it is kept for when a publish comes while a refresh yields", async () => {
    const { state, families, apply } = manyCameras();
    const exposition = new EventExposition(() => families.all);
    await exposition.render("prometheus");
    for (let camera = 0; camera < 100; camera++) apply(camera, 2);
    state.snapshot().publish();
    const refreshed = exposition.refresh();
    // Runs at the refresh's first yield to the event loop, between two entries of a block: a commit of every camera.
    const published = new Promise<void>((resolve) =>
      setImmediate(() => {
        for (let camera = 0; camera < 100; camera++) apply(camera, 4);
        state.snapshot().publish();
        void exposition.refresh();
        resolve();
      }),
    );
    await published;
    await refreshed;
    await exposition.refresh();
    expect(text(await exposition.render("prometheus"))).toBe(
      await renderFamilies(families.all, "prometheus"),
    );
  });

  it("serves the text from before while a refresh is making the new one", async () => {
    const { state, families, apply } = manyCameras();
    const exposition = new EventExposition(() => families.all);
    const before = text(await exposition.render("openmetrics"));
    for (let camera = 0; camera < 100; camera++) apply(camera, 2);
    state.snapshot().publish();
    const refreshed = exposition.refresh();
    expect(text(await exposition.render("openmetrics"))).toBe(before);
    await refreshed;
    expect(text(await exposition.render("openmetrics"))).toBe(
      await renderFamilies(families.all, "openmetrics"),
    );
  });
});
