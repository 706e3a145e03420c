import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, inject, it } from "vitest";
import { runCommand, runProgram } from "../support/run-command.js";
import { scrape } from "../support/scrape.js";
import { GiveUp, waitFor } from "../support/wait-for.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const containers = inject("containersAvailable");
if (!containers) console.warn("[skip] npm run demo on Docker: the harness cannot start containers here");

/**
 * A user's shell, not CI's: `PATH` (the Node.js these tests run on first, as
 * a user who installed a supported one has it, then the system's), `HOME`,
 * and what the test sets on purpose. None of `.ci/run`'s exports
 * (`KAFKA_IMAGE`, `TESTCONTAINERS_RYUK_DISABLED`, `NODE_IMAGE`).
 */
function cleanEnvironment(set: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: process.env.HOME ?? "/root",
    ...set,
  };
}

/** `npm run demo`, as a user types it, in its own process group (so Ctrl+C goes to the whole group, as a terminal sends it). */
function startDemo(env: NodeJS.ProcessEnv, wrapper: string[] = []) {
  const command = [...wrapper, "npm", "run", "demo"];
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
  let running = true;
  void exited.then(() => {
    running = false;
  });
  return {
    child,
    output: () => out,
    exited,
    signal: (name: NodeJS.Signals) => process.kill(-(child.pid as number), name),
    /** Waits for something the demo prints; fails at once, with its output, if the demo ends first. */
    waitFor<T>(what: string, probe: () => T | undefined, options: { timeoutMs?: number } = {}): Promise<T> {
      return waitFor(
        what,
        () => {
          if (!running) throw new GiveUp(`the demo ended before ${what}:\n${out}`);
          return probe();
        },
        options,
      );
    },
  };
}

/** The harness's own reaper named in the broker line; it must be gone once the demo is. */
const reaperPid = (choice: string) => Number(/own reaper \(pid (\d+)\)/.exec(choice)?.[1]);

const nodeVersion = process.version;

describe("npm run demo, in a clean environment", () => {
  it.skipIf(!containers).each([
    ["Ctrl+C (SIGINT)", ["SIGINT"]],
    ["SIGTERM, then Ctrl+C while it stops", ["SIGTERM", "SIGINT"]],
  ] as const)(
    "with Docker and no registry: builds or finds Kafka's image, runs without Ryuk, counts events, and removes everything on %s",
    async (_name, signals) => {
      const startedAt = Date.now();
      const demo = startDemo(cleanEnvironment());
      const choice = await demo.waitFor(
        "the broker choice",
        () => /^Kafka: (.*)$/m.exec(demo.output())?.[1],
        {
          timeoutMs: 170_000,
        },
      );
      const container = /container ([0-9a-f]{12})/.exec(choice)?.[1];
      expect(container, choice).toBeDefined();
      const base = await demo.waitFor(
        "the status page URL",
        () => /status page\s+(http:\/\/\S+)\//.exec(demo.output())?.[1],
      );
      await demo.waitFor(
        "events counted",
        () => (/events consumed and counted/.test(demo.output()) ? true : undefined),
        { timeoutMs: 180_000 - (Date.now() - startedAt) },
      );
      const countedMs = Date.now() - startedAt;
      await demo.waitFor(
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
      expect(demo.output()).not.toMatch(/demo failed|Error|Warning/);
      expect((await runCommand("docker", ["ps", "-a", "-q", "--filter", `id=${container}`])).trim()).toBe("");
      const reaper = reaperPid(choice);
      if (/without Ryuk/.test(choice)) {
        await waitFor("the own reaper to exit", () => (existsSync(`/proc/${reaper}`) ? undefined : true));
      }
      console.log(
        `[demo] npm run demo, clean environment, Node.js ${nodeVersion} from PATH: Kafka: ${choice}; events counted ${(countedMs / 1000).toFixed(1)} s after the start`,
      );
    },
    240_000,
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
        cleanEnvironment({ METRICS_AGGREGATOR_CACHE: cache, MAVEN_OPTS: `-Dmaven.repo.local=${maven}` }),
        // Docker's socket hidden in a mount namespace of its own: to the demo this machine has no Docker.
        ["unshare", "--mount", "sh", "-c", 'mount --bind /dev/null /run/docker.sock && exec "$@"', "demo"],
      );
      const choice = await demo.waitFor(
        "the broker choice",
        () => /^Kafka: (.*)$/m.exec(demo.output())?.[1],
        {
          timeoutMs: 170_000,
        },
      );
      expect(choice).toMatch(/^Apache Kafka as a local JVM process \(Java \d+; no Docker engine answers\)/);
      const pid = Number(/pid (\d+);/.exec(choice)?.[1]);
      await demo.waitFor(
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
      const reaper = reaperPid(choice);
      await waitFor("the own reaper to exit", () => (existsSync(`/proc/${reaper}`) ? undefined : true));
      console.log(
        `[demo] cold, no Docker, clean environment, Node.js ${nodeVersion} from PATH: ${choice}; events counted ${(coldMs / 1000).toFixed(1)} s after the start`,
      );
    }, 240_000);
  });
});
