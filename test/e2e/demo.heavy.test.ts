import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, inject, it } from "vitest";
import { runCommand, runProgram } from "../support/run-command.js";
import { scrape } from "../support/scrape.js";
import { waitFor } from "../support/wait-for.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const containers = inject("containersAvailable");
if (!containers) console.warn("[skip] npm run demo on Docker: the harness cannot start containers here");

/** The demo as `npm run demo` runs it, without npm in between (npm dies on Ctrl+C before the demo has cleaned up). */
function startDemo(env: NodeJS.ProcessEnv, wrapper: string[] = []) {
  const command = [...wrapper, process.execPath, "--import", "tsx", "scripts/demo.ts"];
  // Its own process group, so that Ctrl+C can be sent the way a terminal sends it: to the whole group.
  const child: ChildProcess = spawn(command[0] as string, command.slice(1), {
    cwd: ROOT,
    env: { ...env, HTTP_PORT: "0", DEMO_RATE: "300" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    signal: (name: NodeJS.Signals) => process.kill(-(child.pid as number), name),
  };
}

/** The environment of a user who set nothing: no broker, no image. */
function userEnvironment(): NodeJS.ProcessEnv {
  const { KAFKA_BROKERS: _brokers, KAFKA_IMAGE: _image, ...inherited } = process.env;
  return inherited;
}

describe("npm run demo", () => {
  it.skipIf(!containers).each([
    ["Ctrl+C (SIGINT)", ["SIGINT"]],
    ["SIGTERM, then Ctrl+C while it stops", ["SIGTERM", "SIGINT"]],
  ] as const)(
    "with Docker: starts Kafka, the aggregator and a producer, shows a live summary, and cleans up on %s",
    async (_name, signals) => {
      // A user's environment, plus the image this machine can run (CI reaches no registry).
      const demo = startDemo({ ...userEnvironment(), KAFKA_IMAGE: inject("kafkaImage") });
      const container = await waitFor(
        "the broker",
        () => /container ([0-9a-f]{12})/.exec(demo.output())?.[1],
        {
          timeoutMs: 120_000,
        },
      );
      const base = await waitFor(
        "the status page URL",
        () => /status page\s+(http:\/\/\S+)\//.exec(demo.output())?.[1],
      );
      await waitFor(
        "a summary with all 12 cameras",
        () => (/cameras 12 /.test(demo.output()) ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
      const samples = await scrape(base);
      const frames = [...samples].filter(([series]) => series.startsWith("detection_total{")).length;
      expect(frames).toBeGreaterThanOrEqual(12);
      expect(await (await fetch(`${base}/`)).text()).toContain("<h1>metrics-aggregator</h1>");

      for (const signal of signals) demo.signal(signal);
      expect(await demo.exited).toBe(0);
      expect(demo.output()).toContain("stopped; everything the demo started is gone");
      expect(demo.output()).not.toMatch(/demo failed|Error/);
      expect((await runCommand("docker", ["ps", "-a", "-q", "--filter", `id=${container}`])).trim()).toBe("");
    },
    180_000,
  );

  describe("on a machine without Docker, with nothing cached", () => {
    const cold: string[] = [];
    afterAll(async () => {
      for (const dir of cold) await rm(dir, { recursive: true, force: true });
    });

    it("runs Kafka's jars as a local JVM process, counts events within 3 minutes, and leaves nothing behind on SIGTERM", async (context) => {
      const hide = await runProgram("unshare", [
        "--mount",
        "sh",
        "-c",
        "mount --bind /dev/null /run/docker.sock && true",
      ]);
      if (hide.code !== 0) {
        console.warn(
          `[skip] the demo without Docker: cannot hide the Docker socket here (${hide.stderr.trim()})`,
        );
        context.skip();
      }
      // An empty cache and an empty Maven repository: the jars are fetched from Maven Central, as on a new machine.
      const cache = await mkdtemp(join(tmpdir(), "demo-cold-cache-"));
      const maven = await mkdtemp(join(tmpdir(), "demo-cold-m2-"));
      cold.push(cache, maven);
      const kafkaTemp = () =>
        readdirSync(tmpdir()).filter((name) => name.startsWith("metrics-aggregator-kafka-"));
      const tempBefore = new Set(kafkaTemp());
      const startedAt = Date.now();
      const demo = startDemo(
        { ...userEnvironment(), METRICS_AGGREGATOR_CACHE: cache, MAVEN_OPTS: `-Dmaven.repo.local=${maven}` },
        // Docker's socket hidden in a mount namespace of its own: to the demo this machine has no Docker.
        ["unshare", "--mount", "sh", "-c", 'mount --bind /dev/null /run/docker.sock && exec "$@"', "demo"],
      );
      const choice = await waitFor("the broker choice", () => /^Kafka: (.*)$/m.exec(demo.output())?.[1], {
        timeoutMs: 170_000,
      });
      expect(choice).toMatch(/^Apache Kafka as a local JVM process \(Java \d+; no Docker engine answers\)/);
      const pid = Number(/pid (\d+)/.exec(choice)?.[1]);
      await waitFor(
        "events consumed",
        () => (/events consumed and counted/.test(demo.output()) ? true : undefined),
        {
          timeoutMs: 180_000 - (Date.now() - startedAt),
        },
      );
      const coldMs = Date.now() - startedAt;
      expect(coldMs).toBeLessThan(180_000);
      const newTemp = kafkaTemp().filter((name) => !tempBefore.has(name));
      expect(newTemp).toHaveLength(1);

      demo.signal("SIGTERM");
      expect(await demo.exited).toBe(0);
      expect(demo.output()).toContain("stopped; everything the demo started is gone");
      expect(existsSync(`/proc/${pid}`)).toBe(false);
      expect(existsSync(join(tmpdir(), newTemp[0] as string))).toBe(false);
      console.log(
        `[demo] cold, no Docker: ${choice}; events counted ${(coldMs / 1000).toFixed(1)} s after the start`,
      );
    }, 240_000);
  });
});
