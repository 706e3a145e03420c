import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unsupportedNode } from "../../src/cli/supported-node.js";
import { runProgram } from "../support/run-command.js";
import { runCli } from "../support/service-process.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const ENGINES = ">=22";

/** The first `node` on the system's own PATH (a user's shell without the Node.js CI installs), and its version. */
function systemNode(): { path: string; version: string } | undefined {
  try {
    const path = execFileSync("sh", ["-c", "command -v node"], { env: { PATH: SYSTEM_PATH } })
      .toString()
      .trim();
    const version = execFileSync(path, ["--version"]).toString().trim().replace(/^v/, "");
    return { path, version };
  } catch {
    return undefined;
  }
}
const oldNode = (() => {
  const node = systemNode();
  return node && unsupportedNode(node.version, ENGINES) !== undefined ? node : undefined;
})();
if (!oldNode) {
  console.warn(
    `[skip] a Node.js older than engines (${ENGINES}): the system's node is ${systemNode()?.version ?? "missing"}, not older`,
  );
}

/** Runs a command with the old Node.js first on PATH, as a user with it would; its exit code and output. */
function withOldNode(command: string[]) {
  return runProgram(command[0] as string, command.slice(1), undefined, {
    cwd: ROOT,
    env: { PATH: SYSTEM_PATH, HOME: process.env.HOME ?? "/tmp" },
  });
}

describe("a start that cannot work stops at once: one line naming the setting, exit code 2", () => {
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it.each<[string, () => Record<string, string>, () => string]>([
    [
      "HTTP_PORT in use",
      () => ({ HTTP_HOST: "127.0.0.1", HTTP_PORT: String(busyPort) }),
      () =>
        `HTTP_PORT (--http-port): expected a port free to listen on, got "${busyPort}" (another process listens on 127.0.0.1:${busyPort}: EADDRINUSE)`,
    ],
    [
      "a session timeout below its documented range",
      () => ({ KAFKA_SESSION_TIMEOUT: "5s" }),
      () =>
        `KAFKA_SESSION_TIMEOUT (--session-timeout): expected a duration from 6s to 30m (the brokers' default group.min/max.session.timeout.ms), such as 30s, got "5s"`,
    ],
    [
      "a session timeout above it",
      () => ({ KAFKA_SESSION_TIMEOUT: "2h" }),
      () =>
        `KAFKA_SESSION_TIMEOUT (--session-timeout): expected a duration from 6s to 30m (the brokers' default group.min/max.session.timeout.ms), such as 30s, got "2h"`,
    ],
    [
      "an unreadable catalogue",
      () => ({ METRICS_CONFIG: "/nonexistent/catalogue.yaml" }),
      () =>
        `METRICS_CONFIG (--metrics-config): expected the path of a readable catalogue file (ENOENT), got "/nonexistent/catalogue.yaml"`,
    ],
  ])("%s", async (_name, env, line) => {
    const { code, stderr } = await runCli({ KAFKA_BROKERS: "127.0.0.1:1", ...env() }, []);
    expect(code).toBe(2);
    expect(stderr).toBe(`metrics-aggregator: ${line()}\n`);
  });

  it.skipIf(!oldNode).each([
    [
      "the service (node dist/main.js, npm start)",
      "metrics-aggregator",
      () => [oldNode?.path as string, "--import", "tsx", "src/main.ts"],
    ],
    ["npm run demo", "npm run demo", () => ["npm", "run", "demo"]],
  ])("a Node.js older than engines: %s", async (_name, program, command) => {
    const { code, stderr } = await withOldNode(command());
    expect(code).toBe(2);
    expect(stderr).toBe(
      `${program}: Node.js ${oldNode?.version} is older than this package supports (engines: node ${ENGINES}); install Node.js 22 or newer\n`,
    );
  });
});
