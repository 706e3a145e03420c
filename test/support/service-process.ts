import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";
import { createTopics } from "./kafka-client.js";
import { uniqueName } from "./names.js";
import { waitFor } from "./wait-for.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The service run as its own process, exactly as `metrics-aggregator` runs (from source, through tsx). */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Parsed JSON log lines so far. */
  readonly logs: Record<string, unknown>[];
  readonly stderr: () => string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  /** Waits for the `http_listening` line and returns the base URL. */
  baseUrl(): Promise<string>;
}

/** Spawns `src/main.ts` with the given environment and arguments. */
export function spawnService(env: Record<string, string>, args: string[] = []): ServiceProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // A test that fails half-way must not leave services consuming (and loading the cores) behind it.
  try {
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
  } catch {
    // not inside a test (a hook or a script): the caller stops it
  }
  const logs: Record<string, unknown>[] = [];
  let pending = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) logs.push(JSON.parse(line));
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    logs,
    stderr: () => stderr,
    exited,
    async baseUrl() {
      const line = await waitFor("the service to listen", () =>
        logs.find((l) => l.event === "http_listening"),
      );
      return `http://127.0.0.1:${line.port}`;
    },
  };
}

/** Runs `metrics-aggregator` with arguments (a command or a bad setting) to its end; its plain output. */
export async function runCli(
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const service = spawnService(env, args);
  const chunks: string[] = [];
  // Not the service's JSON log: the output of a command (or of --help).
  service.child.stdout?.removeAllListeners("data");
  service.child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  const code = await service.exited;
  return { code, stdout: chunks.join(""), stderr: service.stderr() };
}

/** Topics and a group of its own for a test's service processes, and the environment that points them there. */
export interface ServiceSetup {
  readonly detectionTopic: string;
  readonly llmTopic: string;
  readonly groupId: string;
  readonly env: Record<string, string>;
}

/** Creates fresh topics and names a fresh group; `env` adds settings (e.g. fetch sizes, log level). */
export async function serviceSetup(
  brokers: string,
  partitions: number,
  env: Record<string, string> = {},
): Promise<ServiceSetup> {
  const detectionTopic = uniqueName("detection");
  const llmTopic = uniqueName("llm");
  const groupId = uniqueName("group");
  await createTopics(brokers, [detectionTopic, llmTopic], partitions);
  return {
    detectionTopic,
    llmTopic,
    groupId,
    env: {
      KAFKA_BROKERS: brokers,
      KAFKA_GROUP_ID: groupId,
      DETECTION_TOPIC: detectionTopic,
      LLM_TOPIC: llmTopic,
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      ...env,
    },
  };
}
