import { type CatalogueProblem, pathOf } from "./catalogue-error.js";
import type { StatusSpec } from "./catalogue-types.js";
import type { ResolvedMetric, ResolvedStream } from "./resolved-catalogue.js";

/** The status page's references: metrics that exist, of the right type, with the labels named. */
export function checkStatus(
  status: StatusSpec,
  file: string,
  streams: readonly ResolvedStream[],
  problems: CatalogueProblem[],
): void {
  // The first metric of a name (a second one is already a problem of its own).
  const metrics = new Map<string, ResolvedMetric>();
  for (const metric of streams.flatMap((s) => s.metrics))
    if (!metrics.has(metric.name)) metrics.set(metric.name, metric);
  const labelsOf = (m: ResolvedMetric) => [...m.labels, ...(m.split ? [m.split.label] : [])];
  const need = (
    path: (string | number)[],
    name: string | undefined,
    types: readonly string[],
    labels: readonly string[],
  ) => {
    if (name === undefined) return;
    const metric = metrics.get(name);
    if (!metric || !types.includes(metric.type)) {
      problems.push({
        file,
        path: pathOf(["status", ...path]),
        expected: `a ${types.join(" or ")} of the catalogue`,
        got: name,
      });
    } else if (!labels.every((l) => labelsOf(metric).includes(l))) {
      problems.push({
        file,
        path: pathOf(["status", ...path]),
        expected: `a metric with the labels ${labels.join(", ")}`,
        got: name,
      });
    }
  };
  if (status.entities) {
    need(["entities", "count"], status.entities.count, ["counter"], [status.entities.label]);
    need(["entities", "last_seen"], status.entities.last_seen, ["gauge"], [status.entities.label]);
  }
  if (status.latency) need(["latency", "metric"], status.latency.metric, ["histogram"], [status.latency.by]);
  if (status.success)
    need(
      ["success", "metric"],
      status.success.metric,
      ["counter"],
      [status.success.by, status.success.label],
    );
  if (status.errors) need(["errors", "metric"], status.errors.metric, ["counter"], [status.errors.label]);
}
