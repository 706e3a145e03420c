import type { z } from "zod";
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

/**
 * Resolves every setting of a table (flag, then environment variable, then
 * default) and validates it; collects every problem before throwing.
 */
function resolveSettings(
  table: SettingTable,
  flags: Readonly<Record<string, string | undefined>>,
  env: Environment,
): { values: Record<string, unknown>; problems: SettingProblem[] } {
  const values: Record<string, unknown> = {};
  const problems: SettingProblem[] = [];
  for (const [key, spec] of Object.entries(table)) {
    const raw = flags[key] ?? env[spec.env] ?? spec.defaultValue;
    const parsed = spec.type.safeParse(raw);
    if (parsed.success) values[key] = parsed.data;
    else problems.push({ env: spec.env, flag: spec.flag, expected: spec.expected, got: raw });
  }
  return { values, problems };
}

/** Validates a setting table; throws one {@link ConfigError} naming every bad setting. */
export function loadSettings<T extends SettingTable>(
  table: T,
  flags: Readonly<Record<string, string | undefined>>,
  env: Environment,
): SettingValues<T> {
  const { values, problems } = resolveSettings(table, flags, env);
  if (problems.length > 0) throw new ConfigError(problems);
  return values as SettingValues<T>;
}

/**
 * The service's configuration: every setting of {@link SETTINGS}, plus the
 * checks across settings. Pure: the caller passes the environment in.
 */
export function loadConfig(flags: FlagValues, env: Environment): Config {
  const { values, problems } = resolveSettings(SETTINGS, flags, env);
  if (problems.length === 0 && values.detectionTopic === values.llmTopic) {
    const spec = SETTINGS.llmTopic;
    problems.push({
      env: spec.env,
      flag: spec.flag,
      expected: `a topic other than ${SETTINGS.detectionTopic.env}`,
      got: String(values.llmTopic),
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as Config;
}
