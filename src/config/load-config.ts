import type { z } from "zod";
import { changelogTopicName, isValidTopicName } from "../state/store/changelog-topics.js";
import { ConfigError, type SettingProblem } from "./config-error.js";
import { type Config, SETTINGS, type SettingKey, type SettingSpec } from "./settings.js";

/** A table of settings, by key. */
export type SettingTable = Readonly<Record<string, SettingSpec<unknown>>>;

/** The validated values of a setting table. */
export type SettingValues<T extends SettingTable> = { readonly [K in keyof T]: z.output<T[K]["type"]> };

/** Raw setting values given on the command line, by setting key. */
export type FlagValues = Partial<Record<SettingKey, string>>;

/** Environment variables, as the composition root passes them in. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Reads the file a `<VAR>_FILE` variable names; the composition root passes the real one in. */
export type ReadSecretFile = (path: string) => string;

/**
 * Resolves every setting of a table (flag, then environment variable, then
 * for a secret the file named by `<VAR>_FILE`, then default) and validates
 * it; collects every problem before throwing.
 */
function resolveSettings(
  table: SettingTable,
  flags: Readonly<Record<string, string | undefined>>,
  env: Environment,
  readSecretFile: ReadSecretFile,
): { values: Record<string, unknown>; problems: SettingProblem[] } {
  const values: Record<string, unknown> = {};
  const problems: SettingProblem[] = [];
  for (const [key, spec] of Object.entries(table)) {
    let raw = flags[key] ?? env[spec.env];
    const file = spec.secret ? env[`${spec.env}_FILE`] : undefined;
    if (raw === undefined && file !== undefined) {
      try {
        // A trailing newline in a secret file is an editor's, not the secret's.
        raw = readSecretFile(file).replace(/\r?\n$/, "");
      } catch (error) {
        problems.push({
          env: `${spec.env}_FILE`,
          flag: spec.flag,
          expected: `a readable file holding ${spec.env} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`,
          got: file,
        });
        continue;
      }
    }
    raw ??= spec.defaultValue;
    const parsed = spec.type.safeParse(raw);
    if (parsed.success) values[key] = parsed.data;
    else
      problems.push({
        env: spec.env,
        flag: spec.flag,
        expected: spec.expected,
        got: spec.secret ? undefined : raw,
      });
  }
  return { values, problems };
}

/** A copy of validated settings fit to log: every secret that is set shows as `(set)`. */
export function redactSecrets<T extends object>(table: SettingTable, values: T): T {
  const copy = { ...values } as Record<string, unknown>;
  for (const [key, spec] of Object.entries(table)) {
    if (spec.secret && copy[key] !== undefined) copy[key] = "(set)";
  }
  return copy as T;
}

const readNothing: ReadSecretFile = () => {
  throw Object.assign(new Error("no secret files in this context"), { code: "ENOENT" });
};

/** Validates a setting table; throws one {@link ConfigError} naming every bad setting. */
export function loadSettings<T extends SettingTable>(
  table: T,
  flags: Readonly<Record<string, string | undefined>>,
  env: Environment,
  readSecretFile: ReadSecretFile = readNothing,
): SettingValues<T> {
  const { values, problems } = resolveSettings(table, flags, env, readSecretFile);
  if (problems.length > 0) throw new ConfigError(problems);
  return values as SettingValues<T>;
}

/**
 * The service's configuration: every setting of {@link SETTINGS}, plus the
 * checks across settings. Pure: the caller passes the environment in.
 */
export function loadConfig(
  flags: FlagValues,
  env: Environment,
  readSecretFile: ReadSecretFile = readNothing,
): Config {
  const { values, problems } = resolveSettings(SETTINGS, flags, env, readSecretFile);
  if (problems.length === 0)
    problems.push(...scrapeAuthProblems(values as Config), ...saslProblems(values as Config));
  if (problems.length > 0) throw new ConfigError(problems);
  return values as Config;
}

/**
 * In durable mode, the changelog template must give every event topic of the
 * catalogue a valid topic name of its own, none of them an event topic;
 * throws the {@link ConfigError} naming `STATE_CHANGELOG_TOPIC` otherwise.
 */
export function checkChangelogNames(config: Config, eventTopics: readonly string[]): void {
  if (config.stateMode !== "durable") return;
  const spec = SETTINGS.stateChangelogTopic;
  for (const topic of eventTopics) {
    const name = changelogTopicName(config.stateChangelogTopic, config.groupId, topic);
    if (!isValidTopicName(name) || eventTopics.includes(name)) {
      throw new ConfigError([
        {
          env: spec.env,
          flag: spec.flag,
          expected: `a template giving, with ${SETTINGS.groupId.env}=${JSON.stringify(config.groupId)}, a valid topic name other than the event topics (it gives ${JSON.stringify(name)})`,
          got: config.stateChangelogTopic,
        },
      ]);
    }
  }
}

/** A SASL mechanism needs a user and a password. */
function saslProblems(config: Config): SettingProblem[] {
  if (config.saslMechanism === undefined) return [];
  return [SETTINGS.saslUsername, SETTINGS.saslPassword]
    .filter(
      (spec) => (spec === SETTINGS.saslUsername ? config.saslUsername : config.saslPassword) === undefined,
    )
    .map((spec) => ({
      env: spec.env,
      flag: spec.flag,
      expected: `a value when ${SETTINGS.saslMechanism.env} is ${config.saslMechanism}`,
      got: "",
    }));
}

/** One way to authenticate scrapers, and a basic-auth user with its password. */
function scrapeAuthProblems(config: Config): SettingProblem[] {
  const { metricsBearerToken, metricsUsername, metricsPassword } = SETTINGS;
  if (config.metricsBearerToken !== undefined && config.metricsUsername !== undefined) {
    return [
      {
        env: metricsUsername.env,
        flag: metricsUsername.flag,
        expected: `empty when ${metricsBearerToken.env} is set (choose bearer or basic auth)`,
        got: config.metricsUsername,
      },
    ];
  }
  if ((config.metricsUsername === undefined) !== (config.metricsPassword === undefined)) {
    const missing = config.metricsUsername === undefined ? metricsUsername : metricsPassword;
    return [
      {
        env: missing.env,
        flag: missing.flag,
        expected: `a value: ${metricsUsername.env} and ${metricsPassword.env} go together`,
        got: "",
      },
    ];
  }
  return [];
}
