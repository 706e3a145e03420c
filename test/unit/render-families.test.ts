import { describe, expect, it } from "vitest";
import type { MetricFamily } from "../../src/aggregate/metric-family.js";
import { negotiateFormat } from "../../src/expose/exposition/exposition-format.js";
import { escapeLabelValue, formatValue } from "../../src/expose/exposition/render-families.js";
import { renderFamilies } from "../support/render-families.js";

const families: MetricFamily[] = [
  {
    type: "counter",
    name: "things_total",
    help: 'Things with "quotes" and a \\ backslash',
    labelNames: ["id"],
    series: () => [{ labels: ['a"b\\c\nd'], value: 3 }],
  },
  {
    type: "histogram",
    name: "wait_seconds",
    help: "Waits.",
    labelNames: [],
    series: () => [
      {
        labels: [],
        histogram: { bounds: [0.5, 2], counts: new Float64Array([1, 0, 2]), sum: 9.25, count: 3 },
      },
    ],
  },
  {
    type: "gauge",
    name: "odd",
    help: "Odd values.",
    labelNames: ["v"],
    series: () => [{ labels: ["x"], value: Number.NaN }],
  },
];

describe("renderFamilies", () => {
  it("writes the Prometheus text format with escaped labels and cumulative buckets", async () => {
    expect(await renderFamilies(families, "prometheus")).toBe(
      [
        '# HELP things_total Things with "quotes" and a \\\\ backslash',
        "# TYPE things_total counter",
        'things_total{id="a\\"b\\\\c\\nd"} 3',
        "# HELP wait_seconds Waits.",
        "# TYPE wait_seconds histogram",
        'wait_seconds_bucket{le="0.5"} 1',
        'wait_seconds_bucket{le="2"} 1',
        'wait_seconds_bucket{le="+Inf"} 3',
        "wait_seconds_sum 9.25",
        "wait_seconds_count 3",
        "# HELP odd Odd values.",
        "# TYPE odd gauge",
        'odd{v="x"} NaN',
        "",
      ].join("\n"),
    );
  });

  it("names counter families without _total in OpenMetrics", async () => {
    const text = await renderFamilies(families.slice(0, 1), "openmetrics");
    expect(text.split("\n").slice(0, 3)).toEqual([
      '# HELP things Things with \\"quotes\\" and a \\\\ backslash',
      "# TYPE things counter",
      'things_total{id="a\\"b\\\\c\\nd"} 3',
    ]);
  });

  it("carries exemplars in OpenMetrics only: per bucket, per counter series, none past 128 characters", async () => {
    const at = Date.parse("2026-11-27T12:00:00.250Z");
    const withExemplars: MetricFamily[] = [
      {
        type: "histogram",
        name: "frame_seconds",
        help: "Frames.",
        labelNames: ["camera"],
        exemplarLabel: "trace_id",
        series: () => [
          {
            labels: ["1"],
            histogram: {
              bounds: [0.1, 1],
              counts: new Float64Array([2, 0, 1]),
              sum: 3.1,
              count: 3,
              exemplars: [
                { id: "a1", value: 0.05, timeMs: at },
                undefined,
                { id: 'b"2', value: 3, timeMs: at },
              ],
            },
          },
        ],
      },
      {
        type: "counter",
        name: "tracks_total",
        help: "Tracks.",
        labelNames: ["zone"],
        exemplarLabel: "frame_id",
        series: () => [
          { labels: ["n"], value: 4, exemplar: { id: "f-9", value: 1, timeMs: at } },
          { labels: ["s"], value: 1, exemplar: { id: "x".repeat(121), value: 1, timeMs: at } },
          { labels: ["w"], value: 0 },
        ],
      },
    ];
    expect((await renderFamilies(withExemplars, "openmetrics")).split("\n")).toEqual([
      "# HELP frame_seconds Frames.",
      "# TYPE frame_seconds histogram",
      'frame_seconds_bucket{camera="1",le="0.1"} 2 # {trace_id="a1"} 0.05 1795780800.250',
      'frame_seconds_bucket{camera="1",le="1"} 2',
      'frame_seconds_bucket{camera="1",le="+Inf"} 3 # {trace_id="b\\"2"} 3 1795780800.250',
      'frame_seconds_sum{camera="1"} 3.1',
      'frame_seconds_count{camera="1"} 3',
      "# HELP tracks Tracks.",
      "# TYPE tracks counter",
      'tracks_total{zone="n"} 4 # {frame_id="f-9"} 1 1795780800.250',
      'tracks_total{zone="s"} 1',
      'tracks_total{zone="w"} 0',
      "",
    ]);
    expect(await renderFamilies(withExemplars, "prometheus")).not.toContain("#  {");
    expect(await renderFamilies(withExemplars, "prometheus")).not.toContain("trace_id");
  });

  it("formats special values as Prometheus does", () => {
    expect(
      [1.5, 1e21, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN].map(formatValue),
    ).toEqual(["1.5", "1e+21", "+Inf", "-Inf", "NaN"]);
    expect(escapeLabelValue("plain")).toBe("plain");
  });
});

describe("negotiateFormat", () => {
  it.each([
    [undefined, "prometheus"],
    ["*/*", "prometheus"],
    ["text/plain;version=0.0.4", "prometheus"],
    [
      "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
      "openmetrics",
    ],
    ["application/openmetrics-text;q=0.1,text/plain;q=0.9", "prometheus"],
  ])("answers Accept %s with %s", (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });
});
