import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../../scripts/kafka-harness/kafka-container.js";
import { detectionWire, jsonBytes } from "../support/events.js";
import { createTopics, produce } from "../support/kafka-client.js";
import { uniqueName } from "../support/names.js";
import { runCommand } from "../support/run-command.js";
import { acrossPartitions, scrape } from "../support/scrape.js";
import { waitFor } from "../support/wait-for.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const brokers = inject("kafkaBrokers");
const containers = inject("containersAvailable");
const TAG = "metrics-aggregator:test";
if (!containers)
  console.warn("[skip] container image: KAFKA_HARNESS_CONTAINERS=false, no Docker engine to build with");

/**
 * The repository's Dockerfile, built and run for real. The base image is the
 * official node:24-bookworm-slim unless NODE_IMAGE names another (CI's local
 * stand-in, where no registry is reachable).
 */
describe.skipIf(!containers)("the container image", () => {
  let id = "";
  let base = "";
  const detectionTopic = uniqueName("detection");
  const llmTopic = uniqueName("llm");

  beforeAll(async () => {
    const args = ["build", "-q", "-t", TAG];
    if (process.env.NODE_IMAGE) args.push("--build-arg", `NODE_IMAGE=${process.env.NODE_IMAGE}`);
    await runCommand("docker", [...args, ROOT]);
    await createTopics(brokers, [detectionTopic, llmTopic], 2);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Host networking: the test broker advertises 127.0.0.1, which must mean this machine inside the container too.
    id = (
      await runCommand("docker", [
        "run",
        "-d",
        "--network",
        "host",
        "-e",
        `KAFKA_BROKERS=${brokers}`,
        "-e",
        `DETECTION_TOPIC=${detectionTopic}`,
        "-e",
        `LLM_TOPIC=${llmTopic}`,
        "-e",
        `KAFKA_GROUP_ID=${uniqueName("group")}`,
        "-e",
        "HTTP_HOST=127.0.0.1",
        "-e",
        `HTTP_PORT=${port}`,
        TAG,
      ])
    ).trim();
  }, 300_000);
  afterAll(async () => {
    if (id) await runCommand("docker", ["rm", "-f", id]).catch(() => {});
  });

  it("holds production dependencies only and runs as a non-root user", async () => {
    expect((await runCommand("docker", ["inspect", "--format", "{{.Config.User}}", TAG])).trim()).toBe(
      "node",
    );
    expect((await runCommand("docker", ["exec", id, "id", "-u"])).trim()).toBe("1000");
    const present = await runCommand("docker", [
      "run",
      "--rm",
      "--entrypoint",
      "sh",
      TAG,
      "-c",
      "for p in node_modules/kafkajs node_modules/vitest node_modules/typescript node_modules/testcontainers node_modules/@biomejs/biome node_modules/tsx src test; do test -e /app/$p && echo $p; done; true",
    ]);
    expect(present.trim().split("\n")).toEqual(["node_modules/kafkajs"]);
  });

  it("reports healthy through its HEALTHCHECK and serves the events it consumed", async () => {
    await waitFor(
      "the container to be healthy",
      async () =>
        (await runCommand("docker", ["inspect", "--format", "{{.State.Health.Status}}", id])).trim() ===
        "healthy"
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await produce(
      brokers,
      detectionTopic,
      [1, 2, 3].map(() => ({ value: jsonBytes(detectionWire({ camera_id: "42" })) })),
    );
    const samples = await waitFor("three detections", async () => {
      const s = await scrape(base);
      return acrossPartitions(s).get('detection_total{camera_id="42",model_type="yolov8n"}') === 3
        ? s
        : undefined;
    });
    expect(samples.get("aggregator_ready")).toBe(1);
  }, 90_000);

  it("shuts down cleanly on SIGTERM as PID 1 (docker stop), exit code 0", async () => {
    await runCommand("docker", ["stop", "-t", "20", id]);
    expect((await runCommand("docker", ["inspect", "--format", "{{.State.ExitCode}}", id])).trim()).toBe("0");
    const logs = await runCommand("docker", ["logs", id]);
    const events = logs
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { event?: string; phase?: string; reason?: string });
    expect(events.filter((e) => e.event === "shutdown").map((e) => e.phase ?? e.reason)).toEqual([
      "begin",
      "consumer",
      "http",
      "done",
    ]);
  }, 60_000);
});
