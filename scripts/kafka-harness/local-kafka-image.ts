import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { hasCommand } from "./jvm-broker.js";

const run = promisify(execFile);
const BUILD = fileURLToPath(new URL("../../.ci/kafka-image/build.sh", import.meta.url));

/** What building the local image needs that this machine lacks (empty: it can build). */
export async function localImageNeeds(): Promise<string[]> {
  const needs: string[] = [];
  if (!(await hasCommand("mvn"))) needs.push("Maven (apt-get install maven)");
  if (!(await hasCommand("mmdebstrap"))) needs.push("mmdebstrap (apt-get install mmdebstrap)");
  return needs;
}

/**
 * Builds (or finds in the cache) the image CI builds when no registry
 * answers: Apache Kafka's jars from Maven Central on a Debian root
 * filesystem, laid out like the official image. Returns its tag.
 */
export async function buildLocalKafkaImage(say: (line: string) => void): Promise<string> {
  say(
    "no container registry answers: building a Kafka image from Apache Kafka's jars (.ci/kafka-image/build.sh, cached)…",
  );
  const { stdout } = await run("bash", [BUILD], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim().split("\n").at(-1) as string;
}
