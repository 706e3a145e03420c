/**
 * A user error's text as the command prints it: `metrics-aggregator: ` before
 * each problem's line, the indented lines under one (a YAML snippet) as they
 * are.
 */
export function userErrorText(message: string): string {
  return message
    .split("\n")
    .map((line) => (/^\s/.test(line) ? `${line}\n` : `metrics-aggregator: ${line}\n`))
    .join("");
}
