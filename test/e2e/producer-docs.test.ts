import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCommand } from "../support/run-command.js";
import { acrossPartitions, only } from "../support/scrape.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");

/** The kcat commands of docs/producers.md, as a user copies them (the `curl` line left out: the test scrapes). */
function kcatSnippet(): string {
  const page = readFileSync(new URL("../../docs/producers.md", import.meta.url), "utf8");
  const section = page.slice(page.indexOf("### Try it with kcat"));
  const start = section.indexOf("```sh\n") + "```sh\n".length;
  const block = section.slice(start, section.indexOf("```", start));
  expect(block).toContain("kcat -P -b localhost:9092 -t detection-events");
  return block
    .split("\n")
    .filter((line) => !line.startsWith("curl "))
    .join("\n");
}

describe("docs/producers.md: the copy-paste kcat commands", () => {
  let aggregator: TestAggregator;
  beforeAll(async () => {
    aggregator = await startTestAggregator(brokers, { stateCommitInterval: "200ms" });
  });
  afterAll(() => aggregator?.stop());

  it("produce one detection and one LLM call that /metrics counts, the success ratio included", async () => {
    const { detectionTopic, llmTopic } = aggregator.config;
    const script = kcatSnippet()
      .replaceAll("localhost:9092", brokers)
      .replaceAll("-t detection-events", `-t ${detectionTopic}`)
      .replaceAll("-t llm-events", `-t ${llmTopic}`);
    await runCommand("sh", ["-e", "-c", script]);
    const samples = await waitFor("the two events on /metrics", async () => {
      const all = acrossPartitions(await aggregator.scrape());
      return all.get(`aggregator_events_committed_total{topic="${llmTopic}"}`) === 1 &&
        all.get(`aggregator_events_committed_total{topic="${detectionTopic}"}`) === 1
        ? all
        : undefined;
    });
    expect(only(samples, "detection_total", "api_key_success_rate")).toEqual({
      'detection_total{camera_id="1",model_type="yolov8n"}': 1,
      'api_key_success_rate{key_id="key-3"}': 1,
    });
    expect(samples.get(`aggregator_events_invalid_total{topic="${llmTopic}",reason="invalid_json"}`)).toBe(0);
  });
});
