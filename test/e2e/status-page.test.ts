/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "../support/browser.js";
import { detectionWire, jsonBytes, llmWire } from "../support/events.js";
import { produce } from "../support/kafka-client.js";
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
    await produce(brokers, detectionTopic, [
      // p95 of ten frames all in (0.5, 1] interpolates to 0.5 + 0.5 × 0.95 = 0.975 s
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
    ]);
    await produce(brokers, llmTopic, [
      ...["success", "success", "success", "error"].map((status) => ({
        value: jsonBytes(llmWire({ key_id: "key-7", status })),
      })),
    ]);
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
    await page.waitForFunction(() => document.querySelector("#consumed")?.textContent === "20");
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
      ["yolov8x", "975 ms", "10"],
      ["yolov8n", "48.8 ms", "4"],
    ]);
    expect(await tableRows(page, "key-table")).toEqual([["key-7", "75 %", "4"]]);
    const { detectionTopic } = aggregator.config;
    expect(await tableRows(page, "invalid-table")).toEqual([
      [detectionTopic, "invalid_json", "1"],
      [detectionTopic, "out_of_range", "1"],
    ]);
  });

  it("refreshes itself and derives rates from two polls", async () => {
    await page.waitForFunction(() => document.querySelector("#rate")?.textContent === "0", undefined, {
      timeout: 10_000,
    });
    const cameras = await tableRows(page, "camera-table");
    expect(cameras.map((row) => row[2])).toEqual(["0", "0"]);
  });

  it("renders producer data as text, never as markup", async () => {
    expect(await page.$$("#camera-table b")).toHaveLength(0);
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
