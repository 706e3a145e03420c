import type { Admin } from "kafkajs";
import type { Config } from "../config/settings.js";
import type { Logger } from "../log/logger.js";
import type { GroupConsumer } from "../source/group-consumer.js";
import type { PartitionTasks } from "../state/lifecycle/partition-tasks.js";
import type { HttpSurface } from "./http-surface.js";
import type { ProcessingMode } from "./processing-mode.js";
import { settlesWithin } from "./settle.js";

/** What a running service stops. */
export interface StopParts {
  readonly config: Config;
  readonly logger: Logger;
  /** Aborted first: the Kafka set-up stops retrying. */
  readonly stopping: AbortController;
  readonly setup: Promise<void>;
  readonly lagTimer: NodeJS.Timeout;
  readonly consumer: GroupConsumer;
  readonly tasks: PartitionTasks;
  readonly mode: ProcessingMode;
  readonly setupAdmin: Admin;
  readonly http: HttpSurface;
}

/**
 * Stops consuming, commits every partition while still a member of the group
 * (within two thirds of `SHUTDOWN_TIMEOUT`: a partition that cannot commit —
 * a broker gone, a dead-letter topic missing — is left uncommitted, and its
 * next owner reads it again), leaves the group, closes the producers and
 * admin clients, then HTTP.
 */
export async function stopInOrder(parts: StopParts): Promise<void> {
  const { config, logger, tasks } = parts;
  logger.info({ event: "shutdown", phase: "consumer" }, "stopping the consumer");
  parts.stopping.abort();
  clearInterval(parts.lagTimer);
  await parts.setup;
  const budget = (config.shutdownTimeout * 2) / 3;
  await parts.consumer.stop(async () => {
    if (!(await settlesWithin(tasks.flush(), budget))) {
      logger.warn(
        { event: "shutdown", phase: "commit_timeout", budgetMs: budget },
        "the last commits did not finish in time; their partitions are read again by their next owner",
      );
    }
  });
  await settlesWithin(tasks.close(), config.shutdownTimeout / 6);
  await settlesWithin(
    Promise.all([parts.mode.close(), parts.setupAdmin.disconnect()]),
    config.shutdownTimeout / 6,
  );
  logger.info({ event: "shutdown", phase: "http" }, "closing the HTTP server");
  await parts.http.stop();
  logger.info({ event: "shutdown", phase: "done" }, "stopped");
}
