import { describe, expect, it } from "vitest";
import { bucketIndex } from "../../src/aggregate/native-buckets.js";
import { BodyBytes } from "../../src/expose/exposition/body-bytes.js";
import { EventExposition } from "../../src/expose/exposition/event-exposition.js";
import { negotiateFormat } from "../../src/expose/exposition/exposition-format.js";
import { GOLDEN_DETECTIONS } from "../support/golden-events.js";
import { goldenState } from "../support/golden-state.js";
import { decodeFamilies, labelsOf, nativeCounts } from "../support/protobuf-scrape.js";
import { renderFamilies } from "../support/render-families.js";

describe("the protobuf exposition", () => {
  it("is what Prometheus asks for with native histograms on, and only then", () => {
    const prometheusNative =
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.8,application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
    expect(negotiateFormat(prometheusNative)).toBe("protobuf");
    expect(
      negotiateFormat("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3"),
    ).toBe("openmetrics");
    expect(
      negotiateFormat(
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
      ),
    ).toBe("prometheus");
    expect(negotiateFormat(undefined)).toBe("prometheus");
  });

  it("carries every family of the text format with the same values, and the native buckets of every observation", async () => {
    const { families } = goldenState();
    const exposition = new EventExposition(() => families.all);
    const body = Buffer.concat(await new BodyBytes().plain(await exposition.render("protobuf")));
    const decoded = decodeFamilies(body);
    expect(decoded.map((f) => f.name)).toEqual(families.all.map((f) => f.name));

    // Counters and gauges: the value of every sample the text format shows.
    const text = await renderFamilies(families.all, "prometheus");
    for (const family of decoded.filter((f) => f.type !== 4)) {
      for (const metric of family.metric) {
        const labels = metric.label.map((l) => `${l.name}="${l.value}"`).join(",");
        const value = metric.counter?.value ?? metric.gauge?.value;
        expect(text).toContain(`${family.name}${labels === "" ? "" : `{${labels}}`} ${value}\n`);
      }
    }

    // detection_latency_seconds: classic buckets as in the text, native buckets from the events themselves.
    const latency = decoded.find((f) => f.name === "detection_latency_seconds");
    expect(latency?.type).toBe(4);
    const expected = new Map<string, Map<number, number>>();
    GOLDEN_DETECTIONS.forEach((events, partition) => {
      for (const event of events) {
        const { camera_id, model_type, latency_seconds } = JSON.parse(event);
        const key = `${camera_id}/${model_type}/${partition}`;
        const buckets = expected.get(key) ?? new Map<number, number>();
        const index = bucketIndex(latency_seconds, 3);
        buckets.set(index, (buckets.get(index) ?? 0) + 1);
        expected.set(key, buckets);
      }
    });
    let checked = 0;
    for (const metric of latency?.metric ?? []) {
      const l = labelsOf(metric);
      const h = metric.histogram;
      if (h === undefined) throw new Error("no histogram");
      expect(h.schema).toBe(3);
      const key = `${l.camera_id}/${l.model_type}/${l.partition}`;
      if (l.camera_id === "__overflow__") continue;
      expect(Object.fromEntries(nativeCounts(h))).toEqual(Object.fromEntries(expected.get(key) ?? []));
      const total = [...nativeCounts(h).values()].reduce((a, b) => a + b, 0) + (h.zero_count ?? 0);
      expect(total).toBe(h.sample_count);
      for (const bucket of h.bucket ?? []) {
        expect(text).toContain(
          `detection_latency_seconds_bucket{camera_id="${l.camera_id}",model_type="${l.model_type}",partition="${l.partition}",le="${bucket.upper_bound}"} ${bucket.cumulative_count}\n`,
        );
      }
      checked++;
    }
    // Every label set the text shows (the overflow series aside) was checked.
    const shownInText = text
      .split("\n")
      .filter(
        (line) => line.startsWith("detection_latency_seconds_count{") && !line.includes("__overflow__"),
      );
    expect(checked).toBe(shownInText.length);
  });
});
