import { ConfigError, type SettingProblem } from "./config-error.js";
import { type Config, SETTINGS, type SettingKey } from "./settings.js";

/** Raw setting values given on the command line, by setting key. */
export type FlagValues = Partial<Record<SettingKey, string>>;

/**
 * Resolves every setting (flag, then environment variable, then default) and
 * validates it. Throws one {@link ConfigError} naming every bad setting.
 * Pure: the caller passes the environment in.
 */
export function loadConfig(flags: FlagValues, env: Readonly<Record<string, string | undefined>>): Config {
  const values: Record<string, unknown> = {};
  const problems: SettingProblem[] = [];
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const spec = SETTINGS[key];
    const raw = flags[key] ?? env[spec.env] ?? spec.defaultValue;
    const parsed = spec.type.safeParse(raw);
    if (parsed.success) values[key] = parsed.data;
    else problems.push({ env: spec.env, flag: spec.flag, expected: spec.expected, got: raw });
  }
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
