import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCommand } from "../support/run-command.js";
import { acrossPartitions, only } from "../support/scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";

const brokers = inject("kafkaBrokers");
const EXAMPLE_DIR = fileURLToPath(new URL("../../examples/python/", import.meta.url));
const DRIVER = fileURLToPath(new URL("./emit_events.py", import.meta.url));

describe("examples/python/metrics_events.py through Debian's python3-confluent-kafka", () => {
  let aggregator: TestAggregator;

  beforeAll(async () => {
    aggregator = await startTestAggregator(brokers, {}, { partitions: 3 });
    const { detectionTopic, llmTopic } = aggregator.config;
    await runCommand("env", [
      `KAFKA_BROKERS=${brokers}`,
      `DETECTION_TOPIC=${detectionTopic}`,
      `LLM_TOPIC=${llmTopic}`,
      "/usr/bin/python3",
      DRIVER,
      EXAMPLE_DIR,
    ]);
    await aggregator.waitForCommitted({ [detectionTopic]: 13, [llmTopic]: 4 });
  });
  afterAll(async () => {
    await aggregator?.stop();
  });

  it("shows exactly the events the module emitted", async () => {
    const perPartition = await aggregator.scrape();
    const samples = acrossPartitions(perPartition);
    expect(only(samples, "detection_total", "detection_objects_total")).toEqual({
      'detection_total{camera_id="1",model_type="yolov8n"}': 4,
      'detection_total{camera_id="2",model_type="yolov8n"}': 4,
      'detection_total{camera_id="3",model_type="yolov8n"}': 4,
      'detection_total{camera_id="9",model_type="yolov8s"}': 1,
      'detection_objects_total{camera_id="1",model_type="yolov8n"}': 16,
      'detection_objects_total{camera_id="2",model_type="yolov8n"}': 16,
      'detection_objects_total{camera_id="3",model_type="yolov8n"}': 16,
      'detection_objects_total{camera_id="9",model_type="yolov8s"}': 2,
    });
    expect(only(samples, "api_key_requests_total")).toEqual({
      'api_key_requests_total{key_id="key-2",status="success"}': 2,
      'api_key_requests_total{key_id="key-2",status="error"}': 1,
      'api_key_requests_total{key_id="key-2",status="timeout"}': 0,
      'api_key_requests_total{key_id="key-2",status="rate_limited"}': 1,
    });
    // The module keys LLM events by key id: each key's calls, and its window, live in one partition.
    expect(Object.values(only(perPartition, "api_key_success_rate"))).toEqual([0.5]);
    const invalid = Object.values(only(samples, "aggregator_events_invalid_total")).reduce(
      (a, b) => a + b,
      0,
    );
    expect(invalid).toBe(0);
  });

  it("never raises into the caller when Kafka is unreachable", async () => {
    const output = await runCommand("/usr/bin/python3", [
      "-c",
      [
        "import sys, logging",
        `sys.path.insert(0, ${JSON.stringify(EXAMPLE_DIR)})`,
        "logging.disable(logging.WARNING)",
        "import metrics_events",
        "e = metrics_events.EventEmitter('127.0.0.1:1', **{'message.timeout.ms': 1000})",
        "[e.emit_detection('1', 'yolov8n', 0.1, 1, 1) for _ in range(5)]",
        "e.flush(5)",
        "print(e.dropped())",
      ].join("\n"),
    ]);
    expect(output.trim()).toBe("5");
  });
});
