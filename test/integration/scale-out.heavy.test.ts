import { describe, expect, inject, it } from "vitest";
import { freePort } from "../../scripts/kafka-harness/kafka-container.js";
import { EventStream, expectedSeries, sumOfReplicas } from "../support/event-stream.js";
import { recordCount } from "../support/kafka-client.js";
import { startPrometheus } from "../support/prometheus-server.js";
import { acrossPartitions, scrape } from "../support/scrape.js";
import { type ServiceProcess, serviceSetup, spawnService } from "../support/service-process.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");
const PARTITIONS = 6;
const EVENTS = 30_000;

describe("scale-out: three replicas, one added and one SIGKILLed mid-stream, a real Prometheus with the rules", () => {
  it("moves partitions with their state: the live replicas, and Prometheus, end on exactly the produced totals", async () => {
    const { detectionTopic, llmTopic, env } = await serviceSetup(brokers, PARTITIONS, {
      KAFKA_SESSION_TIMEOUT: "6s",
    });
    // Fixed ports, so Prometheus knows every replica, the one added later included.
    const ports = await Promise.all([1, 2, 3, 4].map(() => freePort()));
    const urls = ports.map((port) => `http://127.0.0.1:${port}`);
    const spawnOn = (port: number) => spawnService({ ...env, HTTP_PORT: String(port) });
    const replicas: ServiceProcess[] = ports.slice(0, 3).map(spawnOn);
    await Promise.all(replicas.map((r) => r.baseUrl()));
    const prometheus = await startPrometheus(ports.map((port) => `127.0.0.1:${port}`));
    const assigned = async (list: readonly string[]) =>
      (await Promise.all(list.map((url) => scrape(url)))).map(
        (s) => s.get("aggregator_assigned_partitions") ?? 0,
      );
    await waitFor(
      "the three replicas to share the 12 partitions",
      async () => ((await assigned(urls.slice(0, 3))).join() === "4,4,4" ? true : undefined),
      { timeoutMs: 60_000 },
    );

    const stream = new EventStream(brokers, { detection: detectionTopic, llm: llmTopic }, EVENTS, 300, 200);
    await waitFor("a third of the events", () => (stream.count >= EVENTS / 3 ? true : undefined), {
      timeoutMs: 60_000,
    });
    const victim = replicas[1] as ServiceProcess;
    victim.child.kill("SIGKILL");
    expect(await victim.exited).toBe("SIGKILL");
    const killedAt = stream.count;
    replicas[1] = spawnOn(ports[3] as number);
    const live = [urls[0], urls[2], urls[3]] as string[];
    await waitFor(
      "the added replica to take its share",
      async () => ((await assigned(live)).join() === "4,4,4" ? true : undefined),
      { timeoutMs: 60_000 },
    );
    const addedAt = stream.count;
    expect(addedAt).toBeLessThan(EVENTS);
    await stream.finish();
    const records = {
      detection: await recordCount(brokers, detectionTopic),
      llm: await recordCount(brokers, llmTopic),
    };
    expect(records.detection + records.llm).toBe(EVENTS);

    const shown = async (topic: string) => {
      let total = 0;
      for (const url of live) {
        for (const [series, value] of await scrape(url)) {
          if (series.startsWith(`aggregator_state_next_offset{topic="${topic}",`)) total += value;
        }
      }
      return total;
    };
    await waitFor(
      "the live replicas to show every record",
      async () =>
        (await shown(detectionTopic)) === records.detection && (await shown(llmTopic)) === records.llm
          ? true
          : undefined,
      { timeoutMs: 90_000 },
    );
    const counted = sumOfReplicas(
      await Promise.all(live.map(async (url) => acrossPartitions(await scrape(url)))),
    );
    const expected = expectedSeries(EVENTS);
    const differing = [...new Set([...expected.keys(), ...counted.keys()])].filter(
      (series) => counted.get(series) !== expected.get(series),
    );
    expect(differing.map((s) => `${s}: ${counted.get(s)} ≠ ${expected.get(s)}`)).toEqual([]);

    // Prometheus, through the repository's rules: one series per partition whichever replica shows it.
    const frames = [...expected]
      .filter(([s]) => s.startsWith("detection_total{"))
      .reduce((a, [, v]) => a + v, 0);
    const calls = [...expected]
      .filter(([s]) => s.startsWith("llm_requests_total{"))
      .reduce((a, [, v]) => a + v, 0);
    const total = async (promql: string) =>
      Number((await prometheus.query(promql))[0]?.value[1] ?? Number.NaN);
    await waitFor(
      "Prometheus to record the final totals",
      async () =>
        (await total("sum(partition:detection_total:max)")) === frames &&
        (await total("sum(partition:llm_requests_total:max)")) === calls
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const perCamera = await prometheus.query(
      "sum by (camera_id, model_type) (partition:detection_total:max)",
    );
    for (const row of perCamera) {
      expect(Number(row.value[1])).toBe(
        expected.get(
          `detection_total{camera_id="${row.metric.camera_id}",model_type="${row.metric.model_type}"}`,
        ),
      );
    }
    const resets = await prometheus.query("sum(resets(partition:detection_total:max[10m]))");
    expect(resets.map((row) => row.value[1])).toEqual(["0"]);
    console.log(
      `[scale-out] ${EVENTS} events; one replica SIGKILLed after ${killedAt}, the added one owned its share after ${addedAt}; ` +
        `${expected.size} series exact on the live replicas; Prometheus: ${frames} frames and ${calls} LLM calls in ` +
        `sum(partition:*:max), ${perCamera.length} camera/model series exact, 0 resets`,
    );
    await prometheus.stop();
    for (const replica of replicas) replica.child.kill("SIGTERM");
    expect(await Promise.all(replicas.map((r) => r.exited))).toEqual([0, 0, 0]);
  }, 300_000);
});
