import type { Registry } from "prom-client";
import type { MetricFamily } from "../aggregate/metric-family.js";
import type { ExpositionFormat } from "./exposition-format.js";
import { promClientFamilies } from "./prom-client-families.js";
import { renderFamilies } from "./render-families.js";

/** Renders the whole `/metrics` body in a format. */
export type MetricsRenderer = (format: ExpositionFormat) => Promise<string>;

/**
 * The `/metrics` body: the aggregated event families, rendered from the
 * aggregator's state without copying it, then the prom-client registry (self
 * metrics, `process_*`, `nodejs_*`), all through one renderer so both formats
 * agree. OpenMetrics ends with the `# EOF` it requires.
 */
export function createMetricsRenderer(
  families: () => readonly MetricFamily[],
  registry: Registry,
): MetricsRenderer {
  return async (format) => {
    const all = [...families(), ...(await promClientFamilies(registry))];
    const body = await renderFamilies(all, format);
    return format === "openmetrics" ? `${body}# EOF\n` : body;
  };
}
