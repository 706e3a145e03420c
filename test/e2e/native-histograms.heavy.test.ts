import { describe, expect, inject, it } from "vitest";
import { freePort } from "../../scripts/kafka-harness/kafka-container.js";
import { bucketFactor } from "../../src/aggregate/native-buckets.js";
import { EventStream, streamEvent } from "../support/event-stream.js";
import { recordCount } from "../support/kafka-client.js";
import { type NativeHistogramValue, startPrometheus } from "../support/prometheus-server.js";
import { partitionsSettled } from "../support/scrape.js";
import { type ServiceProcess, serviceSetup, spawnService } from "../support/service-process.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");
const PARTITIONS = 4;
const MOST_EVENTS = 200_000;
const KILLS = 3;
const SCHEMA = 3;

/** The latencies of the stream's first `count` detection events, per model, in the order produced. */
function detectionLatencies(count: number): Map<string, number[]> {
  const byModel = new Map<string, number[]>();
  for (let n = 0; n < count; n++) {
    const { kind, message } = streamEvent(n);
    if (kind !== "detection") continue;
    const wire = JSON.parse(String(message.value)) as { model_type: string; latency_seconds: number };
    const list = byModel.get(wire.model_type) ?? [];
    list.push(wire.latency_seconds);
    byModel.set(wire.model_type, list);
  }
  return byModel;
}

/** The q-quantile as the ceil(q·n)-th smallest observation. */
function trueQuantile(q: number, values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

/** A histogram's buckets from the API as "lower,upper" → count, zero bucket as "zero". */
function bucketsOf(h: NativeHistogramValue): Map<string, number> {
  return new Map(
    (h.buckets ?? []).map(([rule, lower, upper, count]) => [
      rule === 3 ? "zero" : `${lower},${upper}`,
      Number(count),
    ]),
  );
}

describe("native histograms in a real Prometheus, through SIGKILLs and a scale-out", () => {
  it("totals, buckets and quantiles from the shipped rules are those of the events produced, and never go back", async () => {
    const { detectionTopic, llmTopic, env } = await serviceSetup(brokers, PARTITIONS, {
      KAFKA_SESSION_TIMEOUT: "6s",
    });
    // A port per replica ever started (two, three replacements, one more): Prometheus knows them all.
    const ports = await Promise.all(Array.from({ length: 2 + KILLS + 1 }, () => freePort()));
    let nextPort = 0;
    const replicas: { process: ServiceProcess; url: string }[] = [];
    const start = async () => {
      const process = spawnService({ ...env, HTTP_PORT: String(ports[nextPort++]) });
      replicas.push({ process, url: await process.baseUrl() });
    };
    await Promise.all([start(), start()]);
    const prometheus = await startPrometheus(
      ports.map((port) => `127.0.0.1:${port}`),
      {},
      ["native-histograms"],
    );
    const startedAt = Date.now();
    const settled = (count: number) =>
      waitFor(
        `${count} replicas to show every partition`,
        async () =>
          replicas.length === count &&
          (await partitionsSettled(
            replicas.map((r) => r.url),
            2 * PARTITIONS,
            true,
          ))
            ? true
            : undefined,
        { timeoutMs: 60_000, intervalMs: 250 },
      );
    const stream = new EventStream(
      brokers,
      { detection: detectionTopic, llm: llmTopic },
      MOST_EVENTS,
      300,
      200,
    );
    const killedAt: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await settled(2);
      const victim = replicas.shift() as { process: ServiceProcess; url: string };
      victim.process.child.kill("SIGKILL");
      expect(await victim.process.exited).toBe("SIGKILL");
      killedAt.push(stream.count);
      await start();
    }
    await settled(2);
    // Scale out: a third replica takes partitions, with their state, from the two live ones.
    await start();
    await settled(3);
    const scaledAt = stream.count;
    await waitFor("the stream to carry on past the scale-out", () =>
      stream.count >= scaledAt + 2_000 ? true : undefined,
    );
    const events = await stream.stop();
    const detections = await recordCount(brokers, detectionTopic);
    expect(detections + (await recordCount(brokers, llmTopic))).toBe(events);

    const latencies = detectionLatencies(events);
    const all = [...latencies.values()].flat();
    expect(all).toHaveLength(detections);
    const scalar = async (promql: string) =>
      Number((await prometheus.query(promql))[0]?.value[1] ?? Number.NaN);
    const recorded = "partition:detection_latency_seconds:newest";
    await waitFor(
      "Prometheus to record every detection in the native histograms",
      async () =>
        (await scalar(`sum(histogram_count(${recorded}))`)) === detections &&
        (await scalar(`sum(histogram_sum(${recorded}))`)) === all.reduce((a, b) => a + b, 0)
          ? true
          : undefined,
      { timeoutMs: 120_000, intervalMs: 500 },
    );

    // Every bucket of every model, summed over cameras and partitions, against the events.
    const factor = bucketFactor(SCHEMA);
    const quantiles: string[] = [];
    for (const [model, values] of latencies) {
      const [row] = await prometheus.queryHistograms(
        `sum by (model_type) (${recorded}{model_type="${model}"})`,
      );
      if (row === undefined) throw new Error(`no native histogram for ${model}`);
      const histogram = row.histogram[1];
      expect(Number(histogram.count)).toBe(values.length);
      expect(Number(histogram.sum)).toBe(values.reduce((a, b) => a + b, 0));
      const expected = new Map<string, number>();
      for (const [key, count] of bucketsOf(histogram)) {
        const [lower, upper] =
          key === "zero" ? [Number.NEGATIVE_INFINITY, 2 ** -128] : key.split(",").map(Number);
        expected.set(key, values.filter((v) => v > (lower as number) && v <= (upper as number)).length);
        expect({ key, count }).toEqual({ key, count: expected.get(key) });
      }
      expect([...expected.values()].reduce((a, b) => a + b, 0)).toBe(values.length);
      for (const q of [0.5, 0.95, 0.99]) {
        const estimate = await scalar(
          `histogram_quantile(${q}, sum by (model_type) (${recorded}{model_type="${model}"}))`,
        );
        const truth = trueQuantile(q, values);
        expect(Math.abs(estimate - truth) / truth).toBeLessThanOrEqual(factor - 1);
        quantiles.push(`${model} p${q * 100}: ${estimate.toFixed(4)} (true ${truth.toFixed(4)})`);
      }
    }

    // No reset on any partition's series: not in the count, not in any bucket, at any second of the run.
    const window = Math.ceil((Date.now() - startedAt) / 1000) + 5;
    const resets = await scalar(`sum(resets(histogram_count(${recorded})[${window}s:1s]))`);
    expect(resets).toBe(0);
    const series = await prometheus.queryRange(recorded, window, 1);
    let samples = 0;
    const decreases: string[] = [];
    for (const one of series) {
      let previous: Map<string, number> | undefined;
      for (const [at, histogram] of one.histograms ?? []) {
        const buckets = bucketsOf(histogram);
        buckets.set("count", Number(histogram.count));
        for (const [key, count] of previous ?? []) {
          if ((buckets.get(key) ?? 0) < count)
            decreases.push(`${JSON.stringify(one.metric)} ${key} at ${at}`);
        }
        previous = buckets;
        samples++;
      }
    }
    expect(decreases).toEqual([]);
    console.log(
      `[native-histograms] ${events} events, ${detections} detections; SIGKILLs after ${killedAt.join(", ")} events, ` +
        `scale-out to 3 after ${scaledAt}; Prometheus (native histograms): count and sum exact, every bucket exact; ` +
        `${quantiles.join("; ")}; ${series.length} partition series, ${samples} samples at 1 s, 0 decreases, 0 resets`,
    );
    await prometheus.stop();
    for (const { process } of replicas) process.child.kill("SIGTERM");
    expect(await Promise.all(replicas.map((r) => r.process.exited))).toEqual([0, 0, 0]);
  }, 400_000);
});
