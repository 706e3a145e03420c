import { randomUUID } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createTopics } from "../support/kafka-client.js";
import { uniqueName } from "../support/names.js";
import { runCommand } from "../support/run-command.js";
import { acrossPartitions, scrape } from "../support/scrape.js";
import { spawnService } from "../support/service-process.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");
const EVENTS = 250_000;
const FETCH_MAX_BYTES = 8 * 1024 * 1024;
const MiB = 1024 * 1024;
const HEAP_LIMIT_MIB = 96;

/** Resident set size now and at its peak (`VmRSS`, `VmHWM`), in bytes. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

describe("back-pressure", () => {
  it("consumes a backlog far larger than its memory: fetching waits for processing instead of buffering", async () => {
    const detectionTopic = uniqueName("detection");
    const llmTopic = uniqueName("llm");
    await createTopics(brokers, [detectionTopic, llmTopic], 3);
    // ~1 kB events (an ignored padding field): a backlog of ~250 MB waiting in Kafka.
    const pad = "p".repeat(850);
    const lines = Array.from(
      { length: EVENTS },
      (_, i) =>
        `{"event_id":"${randomUUID()}","timestamp":1763673421123,"camera_id":"${i % 7}","model_type":"yolov8n","latency_seconds":0.02,"num_objects":1,"num_groups":1,"pad":"${pad}"}`,
    );
    const file = join(tmpdir(), `${detectionTopic}.jsonl`);
    writeFileSync(file, `${lines.join("\n")}\n`);
    const backlogBytes = lines.reduce((sum, line) => sum + line.length, 0);
    try {
      await runCommand("kcat", ["-P", "-b", brokers, "-t", detectionTopic, "-l", file, "-X", "linger.ms=50"]);
    } finally {
      rmSync(file);
    }

    const service = spawnService({
      KAFKA_BROKERS: brokers,
      KAFKA_GROUP_ID: uniqueName("group"),
      DETECTION_TOPIC: detectionTopic,
      LLM_TOPIC: llmTopic,
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      KAFKA_FETCH_MAX_BYTES: String(FETCH_MAX_BYTES),
      KAFKA_FETCH_MAX_BYTES_PER_PARTITION: String(FETCH_MAX_BYTES / 4),
      MAX_EVENT_BYTES: "4096",
      // A heap far smaller than the backlog: buffering it would end in an out-of-memory crash.
      NODE_OPTIONS: `--max-old-space-size=${HEAP_LIMIT_MIB}`,
    });
    const url = await service.baseUrl();
    const pid = service.child.pid as number;
    const atStart = memoryOf(pid);
    let highestLag = 0;
    const samples = await waitFor(
      "the backlog consumed",
      async () => {
        const s = await scrape(url);
        for (const [series, value] of s)
          if (series.startsWith("aggregator_consumer_lag{")) highestLag = Math.max(highestLag, value);
        return s.get(`aggregator_events_committed_total{topic="${detectionTopic}"}`) === EVENTS
          ? acrossPartitions(s)
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    const { peak } = memoryOf(pid);
    const counted = [0, 1, 2, 3, 4, 5, 6].reduce(
      (sum, camera) =>
        sum + (samples.get(`detection_total{camera_id="${camera}",model_type="yolov8n"}`) ?? 0),
      0,
    );
    console.log(
      `[back-pressure] backlog ${(backlogBytes / MiB).toFixed(0)} MiB (${EVENTS} events); RSS at start ${(atStart.rss / MiB).toFixed(0)} MiB, ` +
        `peak ${(peak / MiB).toFixed(0)} MiB with KAFKA_FETCH_MAX_BYTES ${FETCH_MAX_BYTES / MiB} MiB and a ${HEAP_LIMIT_MIB} MiB heap limit; highest lag seen ${highestLag}`,
    );
    expect(counted).toBe(EVENTS);
    // Buffering the backlog would need at least its size; fetching on demand needs a few fetches' worth.
    expect(peak).toBeLessThan(backlogBytes);
    expect(highestLag).toBeGreaterThan(EVENTS / 10);
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  });
});
