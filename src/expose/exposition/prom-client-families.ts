import type { Registry } from "prom-client";
import type { MetricType } from "../../aggregate/metric-family.js";
import type { SampleFamily } from "./render-families.js";

/**
 * prom-client's default gauges that end in `_total`, which Prometheus's
 * naming rules (and `promtool check metrics`) reserve for counters. Each is
 * the sum of a per-type gauge that stays exported (`nodejs_active_handles`, …).
 */
const MISNAMED_GAUGES = new Set([
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
]);

/**
 * Reads a prom-client registry as families for our renderer, so self metrics
 * and runtime metrics come out in the same format as the event families.
 * (prom-client's own OpenMetrics mode renames shared metric objects in place,
 * which would corrupt the other format.)
 */
export async function promClientFamilies(registry: Registry): Promise<SampleFamily[]> {
  const metrics = await registry.getMetricsAsJSON();
  return metrics
    .filter((metric) => !MISNAMED_GAUGES.has(metric.name))
    .map((metric) => ({
      type: String(metric.type) as MetricType,
      name: metric.name,
      help: metric.help,
      samples: metric.values.map((value) => ({
        name: (value as { metricName?: string }).metricName ?? metric.name,
        labels: value.labels as Record<string, string | number>,
        value: value.value,
      })),
    }));
}
