import type { Admin, ITopicConfig } from "kafkajs";
import { describeError, isAuthorizationError } from "../kafka-errors.js";

/** An input topic and the compacted topic that holds its partitions' state. */
export interface ChangelogPair {
  readonly input: string;
  readonly changelog: string;
}

/** The changelog topic of an input topic: `{group}` and `{topic}` in the template replaced. */
export function changelogTopicName(template: string, groupId: string, inputTopic: string): string {
  return template.replaceAll("{group}", groupId).replaceAll("{topic}", inputTopic);
}

/** A Kafka topic name: 1 to 249 of letters, digits, `.`, `_`, `-`, and not `.` or `..`. */
export function isValidTopicName(name: string): boolean {
  return /^[A-Za-z0-9._-]{1,249}$/.test(name) && name !== "." && name !== "..";
}

/**
 * Configuration of a changelog the service creates. Compaction keeps the
 * newest value of each key; these settings keep the uncompacted tail short,
 * because a restore reads the whole partition: segments roll every 10 min
 * (only closed segments are compacted), a log is cleaned once 10 % of it is
 * dirty (Kafka's default is half), and no record stays uncompacted for more
 * than an hour.
 */
export const CHANGELOG_CONFIG: readonly NonNullable<ITopicConfig["configEntries"]>[number][] = [
  { name: "cleanup.policy", value: "compact" },
  { name: "segment.ms", value: String(10 * 60_000) },
  { name: "min.cleanable.dirty.ratio", value: "0.1" },
  { name: "max.compaction.lag.ms", value: String(60 * 60_000) },
  { name: "min.compaction.lag.ms", value: "0" },
];

/** Why the changelog cannot be used, naming what to change; `/readyz` shows it. */
export class ChangelogSetupError extends Error {
  override readonly name = "ChangelogSetupError";
}

/**
 * Makes sure every changelog exists, is compacted, and has at least as many
 * partitions as its input topic (creating or growing it when needed). Never
 * falls back: a changelog that cannot be created or is not compacted stops
 * consumption with a reason that names the setting to change.
 */
export async function ensureChangelogTopics(
  admin: Admin,
  pairs: readonly ChangelogPair[],
  replicationFactor: number | undefined,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missingInputs = pairs.filter((p) => !existing.has(p.input)).map((p) => p.input);
  if (missingInputs.length > 0)
    throw new ChangelogSetupError(`waiting for topic ${missingInputs.join(", ")}`);
  const inputs = await admin.fetchTopicMetadata({ topics: pairs.map((p) => p.input) });
  const partitionsOf = new Map(inputs.topics.map((t) => [t.name, t.partitions.length]));
  const toCreate = pairs.filter((p) => !existing.has(p.changelog));
  if (toCreate.length > 0) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: toCreate.map(({ input, changelog }) => ({
          topic: changelog,
          numPartitions: partitionsOf.get(input) as number,
          replicationFactor: replicationFactor ?? -1,
          configEntries: [...CHANGELOG_CONFIG],
        })),
      });
    } catch (error) {
      const names = toCreate.map((p) => p.changelog).join(", ");
      throw new ChangelogSetupError(
        isAuthorizationError(error)
          ? `not allowed to create the state changelog ${names}: grant CREATE on it, or create it (cleanup.policy=compact, as many partitions as its input topic), or set STATE_MODE=memory`
          : `cannot create the state changelog ${names}: ${describeError(error)}`,
      );
    }
  }
  const present = pairs.filter((p) => existing.has(p.changelog));
  if (present.length === 0) return;
  const changelogs = await admin.fetchTopicMetadata({ topics: present.map((p) => p.changelog) });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((p) => ({ type: 2, name: p.changelog, configNames: ["cleanup.policy"] })),
  });
  for (const { input, changelog } of present) {
    const policy = configs.resources
      .find((r) => r.resourceName === changelog)
      ?.configEntries.find((e) => e.configName === "cleanup.policy")?.configValue;
    if (!policy?.split(",").includes("compact")) {
      throw new ChangelogSetupError(
        `the state changelog ${changelog} has cleanup.policy=${policy}: it must be compact (or point STATE_CHANGELOG_TOPIC elsewhere)`,
      );
    }
    const have = changelogs.topics.find((t) => t.name === changelog)?.partitions.length ?? 0;
    const need = partitionsOf.get(input) as number;
    if (have < need) {
      try {
        await admin.createPartitions({ topicPartitions: [{ topic: changelog, count: need }] });
      } catch (error) {
        throw new ChangelogSetupError(
          `the state changelog ${changelog} has ${have} partitions and ${input} has ${need}: add partitions to it (${describeError(error)})`,
        );
      }
    }
  }
}
