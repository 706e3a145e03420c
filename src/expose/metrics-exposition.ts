import { type Metric, type OpenMetricsContentType, Registry } from "prom-client";
import type { MetricFamily } from "../aggregate/metric-family.js";
import type { ExpositionFormat } from "./exposition-format.js";
import { renderFamilies } from "./render-families.js";

/** Renders the whole `/metrics` body in a format. */
export type MetricsRenderer = (format: ExpositionFormat) => Promise<string>;

/**
 * The `/metrics` body: the aggregated event families, rendered from the
 * aggregator's state without copying it, followed by the prom-client registry
 * (self metrics, `process_*`, `nodejs_*`). prom-client renders one format per
 * registry, so OpenMetrics reads the same metric objects through a second
 * registry; it ends with the `# EOF` OpenMetrics requires.
 */
export function createMetricsRenderer(
  families: () => readonly MetricFamily[],
  registry: Registry,
): MetricsRenderer {
  const openMetrics = new Registry<OpenMetricsContentType>();
  openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  // The typings call these MetricObject; at run time they are the metrics themselves.
  for (const metric of registry.getMetricsAsArray() as unknown as Metric[])
    openMetrics.registerMetric(metric);
  return async (format) => {
    const events = await renderFamilies(families(), format);
    const own = await (format === "openmetrics" ? openMetrics : registry).metrics();
    return events + own;
  };
}
