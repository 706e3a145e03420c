/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runLoad } from "../../src/produce/load-generator.js";
import { launchChromium } from "../support/browser.js";
import { detectionWire, jsonBytes, llmWire } from "../support/events.js";
import { produce, type TestMessage, testKafka } from "../support/kafka-client.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";

const brokers = inject("kafkaBrokers");
const SCREENSHOT = fileURLToPath(new URL("../../docs/status-page.png", import.meta.url));

async function tableRows(page: Page, id: string): Promise<string[][]> {
  return await page.$$eval(`#${id} tbody tr`, (rows) =>
    rows.map((row) => [...row.querySelectorAll("td")].map((cell) => cell.textContent ?? "")),
  );
}

describe("the live status page in headless Chromium", () => {
  let aggregator: TestAggregator;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    aggregator = await startTestAggregator(brokers, {}, { partitions: 2 });
    const { detectionTopic, llmTopic } = aggregator.config;
    const now = Date.now();
    // Everything in partition 0: partition 1 of each topic never has a batch, and must still show its lag.
    const inPartition0 = (messages: TestMessage[]) => messages.map((m) => ({ ...m, partition: 0 }));
    await produce(
      brokers,
      detectionTopic,
      inPartition0([
        // p95 of ten frames at 0.8 s, from the native buckets: all in (2^-3/8, 2^-2/8] = (0.7711, 0.8409],
        // interpolated to 0.7711 + 0.0698 × 0.95 = 0.8374 s (the classic buckets' (0.5, 1] would say 0.975 s)
        ...Array.from({ length: 10 }, () => ({
          value: jsonBytes(
            detectionWire({
              camera_id: "front-door",
              model_type: "yolov8x",
              latency_seconds: 0.8,
              timestamp: now,
            }),
          ),
        })),
        ...Array.from({ length: 4 }, () => ({
          value: jsonBytes(
            detectionWire({ camera_id: "<b>loading-bay</b>", model_type: "yolov8n", timestamp: now }),
          ),
        })),
        { value: '{"broken":' },
        { value: jsonBytes(detectionWire({ latency_seconds: -3 })) },
      ]),
    );
    await produce(
      brokers,
      llmTopic,
      inPartition0(
        ["success", "success", "success", "error"].map((status) => ({
          value: jsonBytes(llmWire({ key_id: "key-7", status })),
        })),
      ),
    );
    await aggregator.waitForCommitted({ [detectionTopic]: 16, [llmTopic]: 4 });

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(aggregator.baseUrl);
  });
  afterAll(async () => {
    await browser?.close();
    await aggregator?.stop();
  });

  it("shows the numbers the test produced", async () => {
    // 18 valid events counted; the 2 rejected ones are in "invalid", not in "events counted".
    await page.waitForFunction(() => document.querySelector("#consumed")?.textContent === "18");
    expect(await page.textContent("#state")).toBe("ready");
    expect(await page.textContent("#cameras")).toBe("2");
    expect(await page.textContent("#invalid")).toBe("2");
    expect(await page.textContent("#lag")).toBe("0");
    const cameras = await tableRows(page, "camera-table");
    expect(cameras.map((row) => [row[0], row[3]])).toEqual([
      ["front-door", "10"],
      ["<b>loading-bay</b>", "4"],
    ]);
    expect(cameras.map((row) => row[1]?.endsWith(" s ago"))).toEqual([true, true]);
    expect(await tableRows(page, "model-table")).toEqual([
      ["yolov8x", "837.4 ms", "10"],
      ["yolov8n", "52.3 ms", "4"],
    ]);
    expect(await tableRows(page, "key-table")).toEqual([["key-7", "75 %", "4"]]);
    // Titles and label names are the shipped catalogue's `status` section.
    expect(await page.$$eval("section h2", (h) => h.map((e) => e.textContent))).toEqual([
      "Cameras",
      "Detection latency per model",
      "LLM success per API key",
      "Invalid events",
      "Consumer lag",
    ]);
    expect(await page.textContent("#camera-table th")).toBe("camera_id");
    expect(await page.textContent("#entities-label")).toBe("cameras");
    const { detectionTopic } = aggregator.config;
    expect(await tableRows(page, "invalid-table")).toEqual([
      [detectionTopic, "invalid_json", "1"],
      [detectionTopic, "out_of_range", "1"],
    ]);
    // Every assigned partition, also those no event was ever fetched from.
    const { llmTopic } = aggregator.config;
    await page.waitForFunction(() => document.querySelectorAll("#lag-table tbody tr").length === 4);
    expect(await tableRows(page, "lag-table")).toEqual(
      [detectionTopic, llmTopic].flatMap((topic) => ["0", "1"].map((p) => [topic, p, "0"])),
    );
    // The calls so far, whether or not any came in the last seconds.
    expect(await page.textContent("#errors-caption")).toBe("LLM error ratio: 1 of 4 calls failed (25 %)");
  });

  it("shows rates from its first poll (the server keeps the last seconds)", async () => {
    const fresh = await browser.newPage();
    await fresh.goto(aggregator.baseUrl);
    await fresh.waitForFunction(() => document.querySelector("#consumed")?.textContent === "18");
    // The first render: rates are there, not the "–" that would wait for a second poll.
    expect(await fresh.textContent("#rate")).toMatch(/^\d/);
    const framesPerSecond = (await tableRows(fresh, "camera-table")).map((row) => row[2]);
    expect(framesPerSecond).toHaveLength(2);
    for (const rate of framesPerSecond) expect(rate).toMatch(/^\d/);
    await fresh.close();
  });

  it("draws live charts of events/s, p95 per model and the LLM error ratio from its polls", async () => {
    const { detectionTopic, llmTopic } = aggregator.config;
    // A few seconds of steady traffic, as the demo sends it.
    const kafka = testKafka(brokers);
    const stop = new AbortController();
    const traffic = runLoad(
      kafka,
      {
        detectionTopic,
        llmTopic,
        rate: 100,
        durationMs: 8_000,
        cameras: 3,
        models: 2,
        keys: 2,
        invalidRatio: 0,
        seed: 9,
      },
      () => {},
      stop.signal,
    );
    const points = (id: string) =>
      page.$$eval(`#${id} polyline`, (lines) =>
        lines.reduce(
          (most, line) => Math.max(most, (line.getAttribute("points") ?? "").split(" ").length),
          0,
        ),
      );
    await page.waitForFunction(
      () => {
        const rate = Number((document.querySelector("#rate")?.textContent ?? "0").replace(/,/g, ""));
        const lines = (id: string) => document.querySelectorAll(`#${id} polyline`).length;
        return (
          rate > 0 && lines("events-chart") >= 2 && lines("p95-chart") >= 1 && lines("errors-chart") >= 1
        );
      },
      undefined,
      { timeout: 20_000 },
    );
    await page.waitForFunction(
      () =>
        (document.querySelector("#events-chart polyline")?.getAttribute("points") ?? "").split(" ").length >=
        4,
      undefined,
      { timeout: 20_000 },
    );
    expect(await points("events-chart")).toBeGreaterThanOrEqual(4);
    expect(await page.$$eval("#events-chart-legend span", (keys) => keys.map((k) => k.textContent))).toEqual(
      [detectionTopic, llmTopic].sort(),
    );
    expect(await page.textContent("#p95-chart-peak")).toMatch(/^peak [\d.,]+ ms$/);
    expect(await page.textContent("#errors-chart-peak")).toMatch(/^peak [\d.,]+ %$/);
    await traffic;
    stop.abort();
  });

  it("renders producer data as text, never as markup", async () => {
    expect(await page.$$("#camera-table b")).toHaveLength(0);
    expect(await page.$$("svg.chart + .axis + .legend b")).toHaveLength(0);
  });

  it("fits a phone screen without sideways scrolling", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBe(0);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it("logged no console errors or warnings", () => {
    expect(problems).toEqual([]);
  });
});
