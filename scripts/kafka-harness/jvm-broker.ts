import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  brokerProperties,
  CLUSTER_ID,
  freePort,
  type KafkaBroker,
  STARTED,
  waitForGroupCoordinator,
} from "./kafka-container.js";
import { guard } from "./own-reaper.js";

const run = promisify(execFile);
/** The recipe CI's local image uses: Apache Kafka's jars from Maven Central, and the same start scripts. */
const IMAGE_RECIPE = fileURLToPath(new URL("../../.ci/kafka-image/", import.meta.url));

/** The cache the harness keeps what it downloads and builds in (shared with `.ci/kafka-image/build.sh`). */
export function harnessCache(): string {
  return (
    process.env.METRICS_AGGREGATOR_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "metrics-aggregator")
  );
}

/** The major version of the `java` on PATH, or `undefined` without one. */
export async function javaMajorVersion(): Promise<number | undefined> {
  try {
    const { stderr, stdout } = await run("java", ["-version"]);
    const match = /version "(\d+)(?:\.(\d+))?/.exec(stderr + stdout);
    if (!match) return undefined;
    // Java 8 and older say "1.8"
    return match[1] === "1" ? Number(match[2]) : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** True when `command` runs. */
export async function hasCommand(command: string, args = ["--version"]): Promise<boolean> {
  try {
    await run(command, args);
    return true;
  } catch {
    return false;
  }
}

/**
 * Apache Kafka laid out as the image lays it out (`bin/`, `config/`, `libs/`),
 * its jars resolved by Maven from Maven Central exactly as CI's image build
 * does, cached by version.
 */
async function kafkaDistribution(say: (line: string) => void): Promise<string> {
  const version = /<kafka.version>(.*)<\/kafka.version>/.exec(
    readFileSync(join(IMAGE_RECIPE, "pom.xml"), "utf8"),
  )?.[1];
  const home = join(harnessCache(), `kafka-${version}`);
  const complete = join(home, "libs", ".complete");
  if (!existsSync(complete)) {
    say(`resolving Apache Kafka ${version}'s jars from Maven Central into ${home} (once)…`);
    mkdirSync(home, { recursive: true });
    await run(
      "mvn",
      [
        "-q",
        "-B",
        "-Dstyle.color=never",
        "-f",
        join(IMAGE_RECIPE, "pom.xml"),
        "dependency:copy-dependencies",
        `-DoutputDirectory=${join(home, "libs")}`,
        "-DincludeScope=runtime",
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    writeFileSync(complete, `${new Date().toISOString()}\n`);
  }
  cpSync(join(IMAGE_RECIPE, "bin"), join(home, "bin"), { recursive: true });
  cpSync(join(IMAGE_RECIPE, "config"), join(home, "config"), { recursive: true });
  return home;
}

/**
 * A single-node KRaft broker as a plain local JVM process: for machines with
 * a Java 17+ but no Docker. Its data lives in a temporary folder removed when
 * it is closed; the process is killed with this one if this one exits.
 */
export async function startJvmBroker(say: (line: string) => void): Promise<KafkaBroker> {
  const home = await kafkaDistribution(say);
  const dir = await mkdtemp(join(tmpdir(), "metrics-aggregator-kafka-"));
  // Removed by the harness's own reaper if this process ends before it removed them itself.
  const releaseDir = guard({ kind: "folder", id: dir });
  let releaseProcess = () => {};
  const port = await freePort();
  const controllerPort = await freePort();
  const properties = join(dir, "server.properties");
  writeFileSync(properties, `${brokerProperties(port, {}, join(dir, "data"), controllerPort).join("\n")}\n`);
  const env = { ...process.env, KAFKA_HEAP_OPTS: "-Xmx512m -Xms128m" };
  await run(
    "sh",
    [
      join(home, "bin", "kafka-storage.sh"),
      "format",
      "--ignore-formatted",
      "-t",
      CLUSTER_ID,
      "-c",
      properties,
    ],
    {
      env,
    },
  );

  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill("SIGKILL");
  const start = async () => {
    const started = spawn("sh", [join(home, "bin", "kafka-server-start.sh"), properties], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      // A process group of its own: the Ctrl+C a terminal sends the demo's group must not stop the broker
      // before the aggregator has committed and left the group; the harness stops it after.
      detached: true,
    });
    child = started;
    releaseProcess = guard({ kind: "process", id: String(started.pid) });
    process.once("exit", killOnExit);
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the broker did not start within 120 s:\n${output.slice(-2000)}`)),
        120_000,
      );
      const watch = (chunk: Buffer) => {
        output += chunk.toString();
        if (STARTED.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      started.stdout?.on("data", watch);
      started.stderr?.on("data", watch);
      started.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the broker exited with ${code}:\n${output.slice(-2000)}`));
      });
    });
    started.stdout?.removeAllListeners("data").resume();
    started.stderr?.removeAllListeners("data").resume();
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    process.removeListener("exit", killOnExit);
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
    releaseProcess();
  };
  try {
    await start();
    await waitForGroupCoordinator(`127.0.0.1:${port}`);
  } catch (error) {
    await stop();
    await rm(dir, { recursive: true, force: true });
    releaseDir();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    bootstrap: `127.0.0.1:${port}`,
    image: `Apache Kafka's jars as a local JVM process (${home})`,
    containerId: `pid ${child?.pid}`,
    stopBroker: stop,
    startBroker: start,
    close() {
      closing ??= stop()
        .then(() => rm(dir, { recursive: true, force: true }))
        .then(releaseDir);
      return closing;
    },
  };
}
