import { readFileSync } from "node:fs";
import protobuf from "protobufjs";

/** Prometheus's exposition messages, read from `schemas/prometheus/metrics.proto` once, at first use. */
export interface MetricsProto {
  readonly MetricFamily: protobuf.Type;
  readonly Metric: protobuf.Type;
}

/** The family types as `MetricFamily.type` numbers them. */
export const METRIC_TYPE = { counter: 0, gauge: 1, untyped: 3, histogram: 4 } as const;

const PROTO_FILE = new URL("../../../../schemas/prometheus/metrics.proto", import.meta.url);

let proto: MetricsProto | undefined;

export function metricsProto(): MetricsProto {
  if (proto === undefined) {
    const root = protobuf.parse(readFileSync(PROTO_FILE, "utf8"), { keepCase: true }).root;
    proto = {
      MetricFamily: root.lookupType("io.prometheus.client.MetricFamily"),
      Metric: root.lookupType("io.prometheus.client.Metric"),
    };
  }
  return proto;
}
