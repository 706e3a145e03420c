import { setTimeout as sleep } from "node:timers/promises";
import type { Admin } from "kafkajs";
import type { Logger } from "pino";
import { dependencyBackoff } from "../util/backoff.js";
import { type ChangelogPair, ChangelogSetupError, ensureChangelogTopics } from "./changelog-topics.js";
import { describeError } from "./kafka-errors.js";

/**
 * Prepares the changelog topics before the consumer joins its group, retrying
 * until it succeeds: topics that do not exist yet, a broker that is down, an
 * ACL that is missing (fixed by an operator while the service waits). Each
 * problem is reported with `report` (`/readyz`), never worked around.
 */
export async function prepareChangelogs(
  admin: Admin,
  pairs: readonly ChangelogPair[],
  replicationFactor: number | undefined,
  report: (problem: string | undefined) => void,
  logger: Logger,
  signal: AbortSignal,
): Promise<boolean> {
  const backoff = dependencyBackoff();
  report("preparing the state changelogs");
  while (!signal.aborted) {
    try {
      await admin.connect();
      await ensureChangelogTopics(admin, pairs, replicationFactor);
      report(undefined);
      logger.info(
        { event: "changelogs_ready", changelogs: pairs.map((p) => p.changelog) },
        "state changelogs ready",
      );
      return true;
    } catch (error) {
      const problem =
        error instanceof ChangelogSetupError
          ? error.message
          : `cannot prepare the state changelogs: ${describeError(error)}`;
      const retryInMs = backoff.fail();
      report(problem);
      logger.warn({ event: "changelog_setup_failed", problem, retryInMs }, problem);
      await sleep(retryInMs, undefined, { signal }).catch(() => {});
    }
  }
  return false;
}
