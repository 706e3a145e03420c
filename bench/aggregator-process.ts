import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout the bench runs from. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** A build of the service: this checkout, or another revision built beside it. */
export interface Build {
  readonly name: string;
  /** The folder whose `dist/main.js` runs it. */
  readonly dir: string;
}

/**
 * This checkout (`npm run bench` builds it first), or the revision `BENCH_CURRENT`
 * names, built beside it: today's bench measuring two older revisions against
 * each other (`BENCH_PREVIOUS=733c745 BENCH_CURRENT=1d2858b`).
 */
export const CURRENT: Build = process.env.BENCH_CURRENT
  ? buildRevision(process.env.BENCH_CURRENT)
  : { name: "current", dir: ROOT };

/** Builds a revision of this repository beside it: its sources from git, this checkout's node_modules. */
export function buildRevision(revision: string): Build {
  const dir = mkdtempSync(join(tmpdir(), `metrics-aggregator-${revision}-`));
  execFileSync("sh", ["-c", `git -C "${ROOT}" archive "${revision}" | tar -x -C "${dir}"`]);
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  execFileSync(process.execPath, [
    join(ROOT, "node_modules/typescript/bin/tsc"),
    "-p",
    join(dir, "tsconfig.build.json"),
  ]);
  return { name: revision, dir };
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Stops a service process the way an orchestrator does (SIGTERM) and waits for its exit. */
export async function stopAggregator(child: ChildProcess): Promise<void> {
  const exit = exited(child);
  child.kill("SIGTERM");
  await exit;
}

export async function waitUntil(probe: () => Promise<boolean>, intervalMs = 50): Promise<void> {
  while (!(await probe())) await new Promise((resolve) => setTimeout(resolve, intervalMs));
}

/** The process's peak resident set so far (`VmHWM`). */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** CPU time the process has used so far, user and system (`/proc/<pid>/stat`, in clock ticks of 10 ms). */
export function cpuMillis(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Starts a build of the service on the given topics and group; resolves its HTTP port once it listens. */
export function spawnAggregator(
  brokers: string,
  group: string,
  topics: [string, string],
  extra: Record<string, string> = {},
  build: Build = CURRENT,
) {
  const child = spawn(process.execPath, ["dist/main.js"], {
    cwd: build.dir,
    env: {
      PATH: process.env.PATH,
      KAFKA_BROKERS: brokers,
      KAFKA_GROUP_ID: group,
      DETECTION_TOPIC: topics[0],
      LLM_TOPIC: topics[1],
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      LOG_LEVEL: "info",
      // e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`: a profile of each service process the bench starts
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
      ...extra,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = new Promise<number>((resolve) => {
    let buffer = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"event":"http_listening".*?"port":(\d+)/.exec(buffer);
      if (match) resolve(Number(match[1]));
    });
  });
  return { child, port };
}
