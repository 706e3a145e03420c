/** One setting that failed validation, named the way the user wrote it. */
export interface SettingProblem {
  /** Environment variable name, e.g. `HTTP_PORT`. */
  readonly env: string;
  /** CLI flag, e.g. `--http-port`. */
  readonly flag: string;
  readonly expected: string;
  /** What was given; `undefined` for a secret, which is never echoed. */
  readonly got: string | undefined;
}

/**
 * Invalid configuration: a user error, reported as one line per setting and
 * never as a stack trace.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly retriable = false;

  constructor(readonly problems: readonly SettingProblem[]) {
    super(
      `invalid configuration:\n${problems
        .map(
          (p) =>
            `  ${p.env} (${p.flag}): expected ${p.expected}, got ${p.got === undefined ? "a value that is not shown (secret)" : JSON.stringify(p.got)}`,
        )
        .join("\n")}`,
    );
  }
}
