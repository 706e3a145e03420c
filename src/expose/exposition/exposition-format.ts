/** The formats `/metrics` speaks: two texts and the protobuf one (the only one with native histograms). */
export type ExpositionFormat = "prometheus" | "openmetrics" | "protobuf";
export type TextFormat = Exclude<ExpositionFormat, "protobuf">;

/** Content types, as Prometheus and prom-client name them. */
export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
  protobuf: "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
};

/** The protobuf format only as Prometheus names it: this message, delimited. */
function isDelimitedMetricFamily(params: readonly string[]): boolean {
  return params.includes("proto=io.prometheus.client.metricfamily") && params.includes("encoding=delimited");
}

/**
 * Picks the format from the scraper's `Accept` header, by q. Prometheus
 * lists the protobuf format first when native histograms are on, else
 * OpenMetrics; a plain `curl` or browser gets the classic text format.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return "prometheus";
  let best: ExpositionFormat = "prometheus";
  let bestQ = -1;
  for (const entry of accept.split(",")) {
    const [type = "", ...params] = entry.split(";").map((part) => part.trim().toLowerCase());
    const qParam = params.find((param) => param.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    const format =
      type === "application/openmetrics-text"
        ? "openmetrics"
        : type === "text/plain"
          ? "prometheus"
          : type === "application/vnd.google.protobuf" && isDelimitedMetricFamily(params)
            ? "protobuf"
            : undefined;
    if (format && q > bestQ) {
      best = format;
      bestQ = q;
    }
  }
  return best;
}
