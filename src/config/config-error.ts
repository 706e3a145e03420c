/** One setting that failed validation, named the way the user wrote it. */
export interface SettingProblem {
  /** Environment variable name, e.g. `HTTP_PORT`. */
  readonly env: string;
  /** CLI flag, e.g. `--http-port`. */
  readonly flag: string;
  readonly expected: string;
  /** What was given; `undefined` for a secret, which is never echoed. */
  readonly got: string | undefined;
  /** What went wrong with it beyond its form (a port in use, a file not found). */
  readonly cause?: string;
}

/**
 * Invalid configuration: a user error, reported as one line per setting and
 * never as a stack trace.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(readonly problems: readonly SettingProblem[]) {
    super(problems.map(problemLine).join("\n"));
  }
}

/** `HTTP_PORT (--http-port): expected an integer from 0 to 65535, got "http"`. */
function problemLine(p: SettingProblem): string {
  const got = p.got === undefined ? "a value that is not shown (secret)" : JSON.stringify(p.got);
  return `${p.env} (${p.flag}): expected ${p.expected}, got ${got}${p.cause === undefined ? "" : ` (${p.cause})`}`;
}
