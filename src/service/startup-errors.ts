import { ConfigError } from "../config/config-error.js";
import { type Config, SETTINGS } from "../config/settings.js";
import { errorType } from "../state/kafka-errors.js";

/** A setting the brokers refused, as the user error it is (exit code 2, one line naming it). */
export function refusedSetting(error: Error, config: Config): ConfigError | undefined {
  if (errorType(error) !== "INVALID_SESSION_TIMEOUT") return undefined;
  const spec = SETTINGS.sessionTimeout;
  return new ConfigError([
    {
      env: spec.env,
      flag: spec.flag,
      expected:
        "a duration the brokers accept (their group.min.session.timeout.ms to group.max.session.timeout.ms)",
      got: `${config.sessionTimeout / 1000}s`,
      cause: "the broker refused it: INVALID_SESSION_TIMEOUT",
    },
  ]);
}

/** A port that cannot be listened on, as the user error it is. */
export function portProblem(error: NodeJS.ErrnoException, config: Config): ConfigError | undefined {
  const causes: Record<string, string> = {
    EADDRINUSE: `another process listens on ${config.httpHost}:${config.httpPort}: EADDRINUSE`,
    EACCES: `this user may not listen on port ${config.httpPort}: EACCES`,
    EADDRNOTAVAIL: `${config.httpHost} is not an address of this machine: EADDRNOTAVAIL`,
  };
  const cause = causes[error.code ?? ""];
  if (cause === undefined) return undefined;
  const host = error.code === "EADDRNOTAVAIL";
  const spec = host ? SETTINGS.httpHost : SETTINGS.httpPort;
  return new ConfigError([
    {
      env: spec.env,
      flag: spec.flag,
      expected: host ? "an address of this machine" : "a port free to listen on",
      got: String(host ? config.httpHost : config.httpPort),
      cause,
    },
  ]);
}
