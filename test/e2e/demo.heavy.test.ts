import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { runCommand } from "../support/run-command.js";
import { scrape } from "../support/scrape.js";
import { waitFor } from "../support/wait-for.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const containers = inject("containersAvailable");
if (!containers)
  console.warn("[skip] npm run demo: KAFKA_HARNESS_CONTAINERS=false, the demo could not start its broker");

describe("npm run demo", () => {
  it.skipIf(!containers)(
    "starts Kafka, the aggregator and a producer, shows a live summary, and cleans up on Ctrl+C",
    async () => {
      const { KAFKA_BROKERS: _external, ...inherited } = process.env;
      const env = { ...inherited, HTTP_PORT: "0", DEMO_RATE: "300" };
      // Its own process group, so that Ctrl+C can be sent the way a terminal sends it: to the whole group.
      // What `npm run demo` runs, without npm in between: npm itself dies on Ctrl+C before the demo has cleaned up.
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
        cwd: ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

      const container = await waitFor("the broker", () => /\(container ([0-9a-f]{12})\)/.exec(out)?.[1], {
        timeoutMs: 120_000,
      });
      const base = await waitFor(
        "the status page URL",
        () => /status page\s+(http:\/\/\S+)\//.exec(out)?.[1],
      );
      await waitFor("a summary with all 12 cameras", () => (/cameras 12 /.test(out) ? true : undefined), {
        timeoutMs: 60_000,
      });
      const samples = await scrape(base);
      const frames = [...samples].filter(([series]) => series.startsWith("detection_total{")).length;
      expect(frames).toBeGreaterThanOrEqual(12);
      expect(await (await fetch(`${base}/`)).text()).toContain("<h1>metrics-aggregator</h1>");

      process.kill(-(child.pid as number), "SIGINT");
      expect(await exited).toBe(0);
      expect(out).toContain("stopped; everything the demo started is gone");
      expect((await runCommand("docker", ["ps", "-a", "-q", "--filter", `id=${container}`])).trim()).toBe("");
    },
    180_000,
  );
});
