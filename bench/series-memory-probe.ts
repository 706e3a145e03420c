/**
 * Run by `series-memory.ts` under `--expose-gc`: the heap and off-heap
 * bytes a label set costs, for a counter and for a histogram of 12 buckets,
 * in the state (working and shown) and in the kept `/metrics` text. Prints
 * one JSON line.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventFamilies } from "../src/aggregate/event-families.js";
import { PartitionState } from "../src/aggregate/partition-state.js";
import type { StreamModel } from "../src/aggregate/stream-model.js";
import { catalogueSettings } from "../src/catalogue/catalogue-settings.js";
import { compileCatalogue } from "../src/catalogue/compile-catalogue.js";
import { loadCatalogue } from "../src/catalogue/load-catalogue.js";
import { loadSettings } from "../src/config/load-config.js";
import { CATALOGUE_SETTINGS } from "../src/config/settings.js";
import { createMessageDecoder } from "../src/decode/message-decoder.js";
import { EventExposition } from "../src/expose/exposition/event-exposition.js";

const LABEL_SETS = Number(process.argv[2] ?? 100_000);
const PARTITIONS = 4;

const dir = mkdtempSync(join(tmpdir(), "series-memory-"));
writeFileSync(
  join(dir, "probe-event.schema.json"),
  JSON.stringify({
    type: "object",
    required: ["at", "camera_id", "model_type", "latency_seconds"],
    properties: {
      at: { type: "number" },
      camera_id: { type: "string" },
      model_type: { type: "string" },
      latency_seconds: { type: "number" },
    },
  }),
);
const stream = (name: string, metric: string) => `
  ${name}:
    topic: ${name}-events
    contract:
      json-schema: probe-event.schema.json
    time: at
    metrics:
${metric}`;
writeFileSync(
  join(dir, "probe.yaml"),
  `version: 1
include_builtin: false
streams:${stream(
    "counter",
    `      - name: probe_frames_total
        type: counter
        help: Frames.
        labels: [camera_id, model_type]`,
  )}${stream(
    "histogram",
    `      - name: probe_latency_seconds
        type: histogram
        help: Latency.
        unit: seconds
        labels: [camera_id, model_type]
        value: latency_seconds
        buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]`,
  )}
`,
);
const settings = catalogueSettings(
  loadSettings(CATALOGUE_SETTINGS, {}, { METRICS_CONFIG: join(dir, "probe.yaml") }),
);
const { models, contracts } = compileCatalogue(loadCatalogue(settings));
const decode = createMessageDecoder({ maxEventBytes: 65_536, maxLabelLength: 128 }, contracts);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");
function used(): number {
  for (let i = 0; i < 3; i++) gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function measure(kind: "counter" | "histogram") {
  const model = models.get(kind) as StreamModel;
  const states = Array.from(
    { length: PARTITIONS },
    (_, p) => new PartitionState(`${kind}-events`, p, model, { seriesLimit: LABEL_SETS }),
  );
  const events = Array.from({ length: LABEL_SETS }, (_, i) => {
    const value = JSON.stringify({
      at: 1_800_000_000_000,
      camera_id: `cam-${String(Math.floor(i / 4)).padStart(5, "0")}`,
      model_type: ["yolov8n", "yolov8s", "yolov8m", "yolov8l"][i % 4],
      latency_seconds: (i % 100) / 100,
    });
    const result = decode(kind, Buffer.from(value));
    if (result.status !== "ok") throw new Error(`probe event did not decode: ${result.status}`);
    return result.event;
  });
  const before = used();
  events.forEach((event, i) => {
    (states[i % PARTITIONS] as PartitionState).apply(event, 1_800_000_000_000);
  });
  const working = used();
  for (const state of states) state.snapshot().publish();
  const shown = used();
  const families = eventFamilies([model], () => states);
  const exposition = new EventExposition(() => families.all);
  const pieces = await exposition.render("prometheus");
  const text = pieces.flat().reduce((sum, chunk) => sum + chunk.texts.reduce((n, t) => n + t.length, 0), 0);
  const rendered = used();
  const series = kind === "counter" ? LABEL_SETS : LABEL_SETS * 15;
  return {
    kind,
    labelSets: LABEL_SETS,
    series,
    bytesPerLabelSet: {
      working: (working - before) / LABEL_SETS,
      shownCopy: (shown - working) / LABEL_SETS,
      keptText: (rendered - shown) / LABEL_SETS,
      textItself: text / LABEL_SETS,
      total: (rendered - before) / LABEL_SETS,
    },
    bytesPerSeries: (rendered - before) / series,
    // Read last, so they are alive when measured.
    kept: states.length + pieces.length + exposition.constructor.name.length,
  };
}

const counter = await measure("counter");
const histogram = await measure("histogram");
process.stdout.write(`${JSON.stringify({ counter, histogram })}\n`);
