import type { Registry } from "prom-client";
import type { BodyChunk, BodyRun } from "./body-run.js";
import type { EventExposition } from "./event-exposition.js";
import type { ExpositionFormat } from "./exposition-format.js";
import { promClientFamilies } from "./prom-client-families.js";
import { protobufSampleFamily } from "./protobuf/protobuf-writer.js";
import { sampleFamilyText } from "./render-families.js";

/** Renders the whole `/metrics` body in a format, in runs (what a scrape turns into bytes and compresses as one). */
export type MetricsRenderer = (format: ExpositionFormat) => Promise<BodyRun[]>;

const EOF: BodyChunk = { texts: ["# EOF\n"] };

/**
 * The `/metrics` body: the event families (their text kept between scrapes
 * where nothing changed), then the prom-client registry (self metrics,
 * `process_*`, `nodejs_*`), all in one format. OpenMetrics ends with the
 * `# EOF` it requires. The self metrics are read first: whatever
 * `aggregator_events_committed_total` counts is then in the event text.
 */
export function createMetricsRenderer(events: EventExposition, registry: Registry): MetricsRenderer {
  return async (format) => {
    const self = await promClientFamilies(registry);
    const runs = await events.render(format);
    const last: BodyChunk[] = [
      {
        texts: self.map((family) =>
          format === "protobuf" ? protobufSampleFamily(family) : sampleFamilyText(family, format),
        ),
      },
    ];
    if (format === "openmetrics") last.push(EOF);
    runs.push(last);
    return runs;
  };
}
