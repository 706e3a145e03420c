/** The two text formats `/metrics` speaks. */
export type ExpositionFormat = "prometheus" | "openmetrics";

/** Content types, as Prometheus and prom-client name them. */
export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

/**
 * Picks the format from the scraper's `Accept` header. Prometheus lists
 * OpenMetrics first with the higher q; a plain `curl` or browser gets the
 * classic text format.
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
          : undefined;
    if (format && q > bestQ) {
      best = format;
      bestQ = q;
    }
  }
  return best;
}
