import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../support/run-command.js";
import { waitFor } from "../support/wait-for.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A user's shell: the Node.js running the tests first on PATH, the system's directories, HOME. */
const userEnvironment = {
  PATH: `${dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
  HOME: process.env.HOME ?? "/root",
};

describe("npm start", () => {
  beforeAll(async () => {
    await runCommand("npm", ["run", "build", "--silent"]);
  }, 120_000);

  it("hands SIGTERM to the service, which stops and leaves no process behind", async () => {
    const npm = spawn("npm", ["start"], {
      cwd: ROOT,
      env: {
        ...userEnvironment,
        KAFKA_BROKERS: "nohost.invalid:9092",
        HTTP_HOST: "127.0.0.1",
        HTTP_PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    npm.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => npm.once("exit", (code) => resolve(code)));
    await waitFor("the service to listen", () => (/"event":"http_listening"/.test(out) ? true : undefined));
    const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(npm.pid)])
      .toString()
      .trim()
      .split(/\s+/);
    expect(children).toHaveLength(1);
    const service = Number(children[0]);
    expect(execFileSync("ps", ["-o", "args=", "-p", String(service)]).toString()).toMatch(
      /node dist\/main\.js/,
    );

    // A process manager signals the process it started: npm, not the service.
    npm.kill("SIGTERM");
    expect(await exited).toBe(0);
    await waitFor("the service to exit", () => (existsSync(`/proc/${service}`) ? undefined : true), {
      timeoutMs: 5_000,
    });
    expect(out).toContain('"phase":"done"');
    console.log(
      `[npm start] Node.js ${process.version} from PATH; SIGTERM to npm stopped the service (pid ${service})`,
    );
  }, 60_000);
});
