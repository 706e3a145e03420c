import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { CONTENT_TYPES } from "../../src/expose/exposition/exposition-format.js";
import { METRIC_TYPE, metricsProto } from "../../src/expose/exposition/protobuf/metrics-proto.js";
import { type PrometheusServer, startPrometheus } from "../support/prometheus-server.js";
import { waitFor } from "../support/wait-for.js";

const pairs = (labels: Record<string, string>) =>
  Object.entries(labels).map(([name, value]) => ({ name, value }));

/**
 * Two stand-in replicas, each serving a protobuf body the test sets, so a
 * partition can be shown by both at once — the moment a handover leaves for
 * a scrape interval (the old owner's last sample is still current) or a
 * zombie makes — and a real Prometheus with the shipped rules reads them.
 */
class StandIn {
  body: Uint8Array = new Uint8Array();
  private readonly server: Server;
  readonly ready: Promise<string>;

  constructor() {
    this.server = createServer((_request, response) => {
      response.writeHead(200, { "content-type": CONTENT_TYPES.protobuf });
      response.end(this.body);
    });
    this.ready = new Promise((resolve) =>
      this.server.listen(0, "127.0.0.1", () =>
        resolve(`127.0.0.1:${(this.server.address() as AddressInfo).port}`),
      ),
    );
  }

  /** Shows partition 0 of the detection stream with `epoch` and `count` observations at 0.1 s (or nothing). */
  show(shown: { epoch: number; count: number } | undefined): void {
    const { MetricFamily } = metricsProto();
    const families = [
      {
        name: "aggregator_partition_owner_epoch",
        help: "owner epoch",
        type: METRIC_TYPE.gauge,
        metric: shown
          ? [
              {
                label: pairs({ stream: "detection", topic: "detection-events", partition: "0" }),
                gauge: { value: shown.epoch },
              },
            ]
          : [],
      },
      {
        name: "detection_latency_seconds",
        help: "latency",
        type: METRIC_TYPE.histogram,
        metric: shown
          ? [
              {
                label: pairs({ camera_id: "7", model_type: "yolov8n", partition: "0" }),
                histogram: {
                  sample_count: shown.count,
                  sample_sum: shown.count / 10,
                  schema: 3,
                  zero_threshold: 2 ** -128,
                  zero_count: 0,
                  // 0.1 s is in bucket -26 at schema 3: (2^(-27/8), 2^(-26/8)].
                  positive_span: [{ offset: -26, length: 1 }],
                  positive_delta: [shown.count],
                },
              },
            ]
          : [],
      },
    ];
    this.body = Buffer.concat(families.map((f) => MetricFamily.encodeDelimited(f).finish()));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe("the shipped rules across a handover of native histograms (a real Prometheus)", () => {
  const old = new StandIn();
  const next = new StandIn();
  let prometheus: PrometheusServer | undefined;
  afterAll(async () => {
    await prometheus?.stop();
    await old.close();
    await next.close();
  });

  it("keep only the newest owner's histogram while two replicas show a partition: no double count, no reset", async () => {
    old.show({ epoch: 4, count: 10 });
    next.show(undefined);
    prometheus = await startPrometheus([await old.ready, await next.ready], {}, ["native-histograms"]);
    const server = prometheus;
    const value = async (promql: string) => Number((await server.query(promql))[0]?.value[1] ?? Number.NaN);
    const recorded = "histogram_count(sum(partition:detection_latency_seconds:newest))";
    await waitFor("the old owner's 10", async () => ((await value(recorded)) === 10 ? true : undefined));

    // The new owner (epoch 5, restored from the old one's last commit and counting on) and the old one both show it.
    next.show({ epoch: 5, count: 15 });
    await waitFor("both replicas' samples in Prometheus", async () =>
      (await value("histogram_count(sum(detection_latency_seconds))")) === 25 ? true : undefined,
    );
    await waitFor("the recorded histogram to follow the new owner", async () =>
      (await value(recorded)) === 15 ? true : undefined,
    );
    // Three more evaluations of the rules while both show it: still the new owner's alone.
    const evaluated = await value(`count_over_time(partition:detection_latency_seconds:newest[1h])`);
    await waitFor("three more rule evaluations", async () =>
      (await value(`count_over_time(partition:detection_latency_seconds:newest[1h])`)) >= evaluated + 3
        ? true
        : undefined,
    );
    expect(await value(recorded)).toBe(15);

    // The old owner lets go; the new one counts on.
    old.show(undefined);
    next.show({ epoch: 5, count: 20 });
    await waitFor("the new owner's 20", async () => ((await value(recorded)) === 20 ? true : undefined));
    const counts = (await server.queryRange(recorded, 120, 1))[0]?.values ?? [];
    const series = counts.map(([, v]) => Number(v));
    expect(series.every((v, i) => i === 0 || v >= (series[i - 1] as number))).toBe(true);
    expect(new Set(series)).toEqual(new Set([10, 15, 20]));
    expect(await value(`resets(${recorded}[2m:1s])`)).toBe(0);
  });
});
