import { getContainerRuntimeClient } from "testcontainers";
import { hasCommand, javaMajorVersion, startJvmBroker } from "./jvm-broker.js";
import {
  DEFAULT_KAFKA_IMAGE,
  type KafkaBroker,
  startKafkaContainer,
  waitForGroupCoordinator,
} from "./kafka-container.js";
import { buildLocalKafkaImage, localImageNeeds } from "./local-kafka-image.js";
import { ownReaperPid } from "./own-reaper.js";
import { chooseReaper, REGISTRY_UNREACHABLE, type ReaperChoice, registryAnswer } from "./reaper-choice.js";

/** The broker the demo and the tests use, and what the harness may start besides it. */
export interface HarnessBroker {
  readonly bootstrap: string;
  /** One line: which broker, and why this one. */
  readonly choice: string;
  /** The image to start further brokers from (fault tests), when containers can run here. */
  readonly image: string | undefined;
  /** The broker the harness started, to close at the end (none for `KAFKA_BROKERS`). */
  readonly started: KafkaBroker | undefined;
}

/** Nothing can give a broker here; the message says what is missing and how to install it. */
export class NoBrokerError extends Error {
  override readonly name = "NoBrokerError";
}

async function dockerRuns(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/**
 * Chooses and starts a Kafka broker, in this order:
 * 1. `KAFKA_BROKERS`: a broker that is already running;
 * 2. `KAFKA_IMAGE`: that image, through Testcontainers;
 * 3. the official `apache/kafka` image, pulled by Testcontainers;
 * 4. no registry answers but Docker runs: the image CI builds from Apache
 *    Kafka's jars on Maven Central (cached);
 * 5. no Docker but a Java 17+: Apache Kafka's jars as a local JVM process;
 * 6. else a paragraph saying what is missing and how to get it.
 *
 * Containers are removed by Testcontainers' Ryuk where its image can be had;
 * where it cannot (no registry), and for the local JVM, by the harness's own
 * reaper, which removes them whichever way this process ends (SIGKILL too).
 * The choice says which.
 */
export async function startHarnessBroker(say: (line: string) => void): Promise<HarnessBroker> {
  const external = process.env.KAFKA_BROKERS;
  if (external) {
    await waitForGroupCoordinator(external);
    return {
      bootstrap: external,
      choice: `the running broker(s) at ${external} (KAFKA_BROKERS)`,
      image: process.env.KAFKA_IMAGE,
      started: undefined,
    };
  }
  const docker = await dockerRuns();
  const reaper = docker ? await chooseReaper() : undefined;
  const fromImage = async (image: string, why: string): Promise<HarnessBroker> => {
    const started = await startKafkaContainer(image);
    return {
      bootstrap: started.bootstrap,
      choice: `${image} through Testcontainers (${why}) at ${started.bootstrap}, container ${started.containerId.slice(0, 12)}; ${cleanup(reaper)}`,
      image,
      started,
    };
  };
  if (process.env.KAFKA_IMAGE) return await fromImage(process.env.KAFKA_IMAGE, "KAFKA_IMAGE");
  let registryProblem = "";
  if (docker) {
    if (reaper?.kind === "own" && reaper.unreachableRegistry !== undefined)
      registryProblem = `no container registry answers (${reaper.unreachableRegistry})`;
    else {
      try {
        return await fromImage(DEFAULT_KAFKA_IMAGE, "the official image");
      } catch (error) {
        if (!REGISTRY_UNREACHABLE.test((error as Error).message)) throw error;
        registryProblem = `no container registry answers (${registryAnswer((error as Error).message.split("\n")[0] as string)})`;
      }
    }
    const needs = await localImageNeeds();
    if (needs.length === 0)
      return await fromImage(
        await buildLocalKafkaImage(say),
        `built here from Kafka's jars: ${registryProblem}`,
      );
    registryProblem += `; to build a local image instead, install ${needs.join(" and ")}`;
  }
  const java = await javaMajorVersion();
  if (java !== undefined && java >= 17 && (await hasCommand("mvn"))) {
    const started = await startJvmBroker(say);
    return {
      bootstrap: started.bootstrap,
      choice: `Apache Kafka as a local JVM process (Java ${java}; ${docker ? `Docker runs but ${registryProblem}` : "no Docker engine answers"}) at ${started.bootstrap}, ${started.containerId}; the harness's own reaper (pid ${ownReaperPid()}) stops it and removes its data however this process ends`,
      image: undefined,
      started,
    };
  }
  throw new NoBrokerError(
    [
      "No Kafka broker is available, and none can be started here.",
      docker
        ? `Docker runs, but no container registry serves ${DEFAULT_KAFKA_IMAGE} (${registryProblem}).`
        : "No Docker engine answers (start Docker, or install it: apt-get install docker.io).",
      java === undefined
        ? "There is no Java either (the broker can run as a local JVM process with Java 17 or newer and Maven: apt-get install openjdk-17-jre-headless maven)."
        : java < 17
          ? `Java ${java} is too old to run Kafka as a local process: Java 17 or newer is needed.`
          : "Java is there, but Maven is not (apt-get install maven): it fetches Apache Kafka's jars from Maven Central.",
      "Or point KAFKA_BROKERS at a running broker (with transactions enabled).",
    ].join(" "),
  );
}

/** Who removes the broker's container, for the choice line. */
function cleanup(reaper: ReaperChoice | undefined): string {
  if (reaper?.kind !== "own") return "Testcontainers' Ryuk removes the container if this process dies";
  return `without Ryuk (${reaper.why}): the harness's own reaper (pid ${ownReaperPid()}) removes the container however this process ends`;
}
