import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/service-process.js";

/** A contract of a stream of the test's: a time, a zone, a temperature (may be negative), a dwell time (not). */
const SCHEMA = {
  type: "object",
  required: ["at", "zone", "dwell"],
  properties: {
    at: { type: "string" },
    zone: { type: "string" },
    spot: { type: "object" },
    temperature: { type: "number" },
    dwell: { type: "number", minimum: 0 },
  },
};

let dir: string;

/**
 * Writes a catalogue with one stream `yard` whose metrics are `metrics` (YAML flow maps), after
 * `head` (top-level keys); or the whole text.
 */
async function catalogue(name: string, metrics: string[] | string, head?: string): Promise<string> {
  const text = Array.isArray(metrics)
    ? [
        ...(head ? [head] : []),
        "version: 1",
        "streams:",
        "  yard:",
        "    topic: yard-events",
        "    contract: {json-schema: yard.schema.json}",
        "    time: at",
        "    metrics:",
        ...metrics.map((metric) => `      - ${metric}`),
        "",
      ].join("\n")
    : metrics;
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, text);
  return file;
}

const metric = (fields: string) =>
  `{name: yard_visits_total, type: counter, help: Visits., labels: [zone]${fields}}`;

describe("metrics-aggregator check-config", () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "check-config-"));
    await writeFile(join(dir, "yard.schema.json"), JSON.stringify(SCHEMA));
    await writeFile(
      join(dir, "yard.avsc"),
      JSON.stringify({
        type: "record",
        name: "Yard",
        fields: [
          { name: "at", type: "string" },
          { name: "zone", type: "string" },
        ],
      }),
    );
  });

  it("exits 0 on the shipped catalogue and says what it defines", async () => {
    const { code, stdout } = await runCli({}, ["check-config"]);
    expect(code).toBe(0);
    expect(stdout.split("\n")).toEqual([
      "schemas/catalogue.yaml: valid: 2 streams, 10 metrics",
      "  detection (topic detection-events): detection_total, detection_latency_seconds, detection_objects_total, detection_groups_total, camera_last_event_timestamp_seconds",
      "  llm (topic llm-events): llm_requests_total, llm_latency_seconds, llm_tokens_total, api_key_requests_total, api_key_success_rate",
      "",
    ]);
  });

  it("exits 0 on a valid catalogue of the user's, added to the shipped one", async () => {
    const file = await catalogue("valid", [
      metric(""),
      "{name: yard_dwell_seconds, type: histogram, help: Dwell., unit: seconds, labels: [zone], value: dwell, buckets: [1, 10]}",
    ]);
    const { code, stdout } = await runCli({}, ["check-config", file]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toBe(`schemas/catalogue.yaml + ${file}: valid: 3 streams, 12 metrics`);
  });

  it("adds a metric to a shipped stream, or replaces the shipped catalogue with include_builtin: false", async () => {
    const added = await catalogue(
      "added",
      "version: 1\nstreams:\n  detection:\n    metrics:\n      - {name: detection_frames_by_model_total, type: counter, help: Frames per model., labels: [model_type]}\n",
    );
    const adding = await runCli({}, ["check-config", added]);
    expect(adding.code).toBe(0);
    expect(adding.stdout.split("\n")[1]).toBe(
      "  detection (topic detection-events): detection_total, detection_latency_seconds, detection_objects_total, detection_groups_total, camera_last_event_timestamp_seconds, detection_frames_by_model_total",
    );
    const alone = await catalogue("alone", [metric("")], "include_builtin: false");
    const replacing = await runCli({}, ["check-config", alone]);
    expect(replacing.code).toBe(0);
    expect(replacing.stdout).toBe(
      `${alone}: valid: 1 stream, 1 metric\n  yard (topic yard-events): yard_visits_total\n`,
    );
  });

  it.each<[string, string[] | string, string]>([
    [
      "an unknown type",
      ["{name: yard_visits_total, type: summary, help: Visits.}"],
      'streams.yard.metrics[0].type: expected one of counter, histogram, gauge, ratio, got "summary"',
    ],
    [
      "an invalid metric name",
      ["{name: yard-visits, type: counter, help: Visits.}"],
      'streams.yard.metrics[0].name: expected a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), got "yard-visits"',
    ],
    [
      "a label name the service keeps for itself",
      [metric(", labels: [partition]").replace(", labels: [zone]", "")],
      'streams.yard.metrics[0].labels[0]: expected a label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __, not partition, le or quantile), got "partition"',
    ],
    [
      "a duplicate metric",
      [metric(""), metric("")],
      `streams.yard.metrics[1].name: expected a name no other metric has (streams.yard.metrics[0] has it), got "yard_visits_total"`,
    ],
    [
      "a metric the shipped catalogue has",
      ["{name: detection_total, type: counter, help: Frames.}"],
      'streams.yard.metrics[0].name: expected a name of its own, or include_builtin: false to replace the shipped catalogue (schemas/catalogue.yaml), got "detection_total"',
    ],
    [
      "a label field the contract does not define",
      [metric("").replace("[zone]", "[lane]")],
      'streams.yard.metrics[0].labels[0]: expected a field of the contract yard.schema.json, got "lane"',
    ],
    [
      "a value field the contract does not define",
      [metric(", value: speed")],
      'streams.yard.metrics[0].value: expected a field of the contract yard.schema.json, or event_time, got "speed"',
    ],
    [
      "a histogram without buckets",
      ["{name: yard_dwell_seconds, type: histogram, help: Dwell., value: dwell}"],
      "streams.yard.metrics[0].buckets: expected a bucket list, or a preset (detection-latency, llm-latency), or native buckets (native: true)",
    ],
    [
      "native buckets of a field that may be negative",
      ["{name: yard_temperature_celsius, type: histogram, help: T., value: temperature, native: true}"],
      "streams.yard.metrics[0].native: expected a value field the contract keeps from going negative (minimum: 0): native buckets here are for values ≥ 0, and temperature may be negative, got true",
    ],
    [
      "a native schema out of range",
      ["{name: yard_dwell_seconds, type: histogram, help: Dwell., value: dwell, native: {schema: 9}}"],
      "streams.yard.metrics[0].native.schema: expected an integer from -4 to 8, got 9",
    ],
    [
      "a native bucket factor and a schema at once",
      [
        "{name: yard_dwell_seconds, type: histogram, help: Dwell., value: dwell, native: {schema: 3, bucket_factor: 1.1}}",
      ],
      "streams.yard.metrics[0].native.schema: expected either bucket_factor or schema, not both, got 3",
    ],
    [
      "a counter whose value can be negative",
      [metric(", value: temperature")],
      'streams.yard.metrics[0].value: expected a field the contract keeps from going negative (minimum: 0): counters only go up, got "temperature"',
    ],
    [
      "buckets out of order",
      ["{name: yard_dwell_seconds, type: histogram, help: Dwell., value: dwell, buckets: [10, 1]}"],
      "streams.yard.metrics[0].buckets: expected positive finite numbers in ascending order, got [10,1]",
    ],
    [
      "a label of an object field",
      [metric("").replace("[zone]", "[spot]")],
      'streams.yard.metrics[0].labels[0]: expected a field of a string, number or boolean type (a label value is text), got "spot"',
    ],
    [
      "a gauge that does not say how events combine",
      ["{name: yard_dwell_seconds, type: gauge, help: Dwell., value: dwell}"],
      "streams.yard.metrics[0].aggregate: expected max or last: how events combine into the gauge",
    ],
    [
      "a unit the name does not end with",
      ["{name: yard_dwell, type: gauge, aggregate: max, help: Dwell., unit: seconds, value: dwell}"],
      'streams.yard.metrics[0].unit: expected the unit the name ends with (yard_dwell does not end in _seconds), got "seconds"',
    ],
    [
      "a misspelt key",
      [metric("").replace("labels", "lables")],
      'streams.yard.metrics[0]: expected no key "lables" (did you mean "labels"?)',
    ],
    [
      "a topic another stream reads",
      "version: 1\nstreams:\n  yard:\n    topic: detection-events\n    contract: {json-schema: yard.schema.json}\n    time: at\n",
      'streams.yard.topic: expected a topic no other stream reads (stream detection reads it), got "detection-events"',
    ],
    [
      "a contract file that is not there",
      "version: 1\nstreams:\n  yard:\n    topic: yard-events\n    contract: {json-schema: missing.json}\n    time: at\n",
      'streams.yard.contract.json-schema: expected a readable JSON Schema file (ENOENT), got "missing.json"',
    ],
    [
      "a time field the contract does not require",
      "version: 1\nstreams:\n  yard:\n    topic: yard-events\n    contract: {json-schema: yard.schema.json}\n    time: temperature\n",
      'streams.yard.time: expected a field the contract yard.schema.json requires, an ISO-8601 date-time string or epoch milliseconds, got "temperature"',
    ],
    [
      "an Avro contract without a field the metrics read",
      "version: 1\nstreams:\n  yard:\n    topic: yard-events\n    contract: {json-schema: yard.schema.json, avro: yard.avsc}\n    time: at\n    metrics:\n      - {name: yard_dwell_seconds, type: histogram, help: Dwell., labels: [zone], value: dwell, buckets: [1]}\n",
      'streams.yard.contract.avro: expected an Avro record with every field the metrics read (missing: dwell), got "yard.avsc"',
    ],
    [
      "a version this release does not read",
      "version: 2\n",
      "version: expected 1 (the catalogue format this release reads), got 2",
    ],
  ])(
    "refuses %s with exit code 2 and one line naming the file, the path and what is expected",
    async (_kind, metrics, line) => {
      const file = await catalogue(_kind.replace(/\W+/g, "-"), metrics);
      const { code, stderr } = await runCli({}, ["check-config", file]);
      expect(code).toBe(2);
      expect(stderr).toBe(`metrics-aggregator: ${file}: ${line}\n`);
    },
  );

  it("reports every problem of a file in one pass, a misspelt key with the key that was meant", async () => {
    const file = await catalogue("three-mistakes", [
      "{name: yard_visits, type: counter, help: Visits., lables: [zone]}",
      "{name: yard_dwell_seconds, type: histogram, help: Dwell., value: dwell}",
    ]);
    const { code, stderr } = await runCli({}, ["check-config", file]);
    expect(code).toBe(2);
    expect(stderr.split("\n")).toEqual([
      `metrics-aggregator: ${file}: streams.yard.metrics[0]: expected no key "lables" (did you mean "labels"?)`,
      `metrics-aggregator: ${file}: streams.yard.metrics[0].name: expected a counter name ending in _total, got "yard_visits"`,
      `metrics-aggregator: ${file}: streams.yard.metrics[1].buckets: expected a bucket list, or a preset (detection-latency, llm-latency), or native buckets (native: true)`,
      "",
    ]);
  });

  it("says in one line that a copy of the shipped catalogue repeats its metrics, and how to replace it instead", async () => {
    // A user about to edit the shipped catalogue copies it beside its schemas and checks the copy.
    const shipped = await readFile("schemas/catalogue.yaml", "utf8");
    const copy = join("schemas", `copy-${process.pid}.yaml`);
    await writeFile(copy, shipped);
    try {
      const repeated = await runCli({}, ["check-config", copy]);
      expect(repeated.code).toBe(2);
      expect(repeated.stderr).toBe(
        `metrics-aggregator: ${copy}: expected metrics of its own, or include_builtin: false to replace the shipped catalogue (schemas/catalogue.yaml), got "10 metrics the shipped catalogue declares already (detection_total, detection_latency_seconds, detection_objects_total, …)"\n`,
      );
      await writeFile(copy, `include_builtin: false\n${shipped}`);
      const replacing = await runCli({}, ["check-config", copy]);
      expect(replacing.code).toBe(0);
      expect(replacing.stdout.split("\n")[0]).toBe(`${copy}: valid: 2 streams, 10 metrics`);
    } finally {
      await rm(copy);
    }
  });

  it("shows a YAML syntax error with its line, its column and a caret", async () => {
    const file = await catalogue(
      "syntax",
      "version: 1\nstreams:\n  yard:\n    topic: yard-events\n    metrics:\n      - name: a\n     type: counter\n",
    );
    const { code, stderr } = await runCli({}, ["check-config", file]);
    expect(code).toBe(2);
    expect(stderr.split("\n")).toEqual([
      `metrics-aggregator: ${file}:7:1: expected YAML (All mapping items must start at the same column)`,
      "  6 |       - name: a",
      "  7 |      type: counter",
      "    | ^",
      "",
    ]);
  });

  it("stops the service's start the same way when METRICS_CONFIG names a wrong catalogue, before connecting to Kafka", async () => {
    const file = await catalogue("start", [metric(", value: temperature")]);
    const { code, stderr } = await runCli({ METRICS_CONFIG: file, KAFKA_BROKERS: "127.0.0.1:1" }, []);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `metrics-aggregator: ${file}: streams.yard.metrics[0].value: expected a field the contract keeps from going negative (minimum: 0): counters only go up, got "temperature"\n`,
    );
  });
});
