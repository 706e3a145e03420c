/** One problem in a catalogue: where (file and path inside it) and what was expected. */
export interface CatalogueProblem {
  readonly file: string;
  /** e.g. `streams.tracking.metrics[1].type`; empty for the file as a whole. */
  readonly path: string;
  readonly expected: string;
  readonly got?: unknown;
  /** Where in the file's text (YAML syntax errors), 1-based. */
  readonly line?: number;
  readonly column?: number;
  /** The lines around it with a caret under the column. */
  readonly snippet?: string;
}

/** A catalogue that cannot be used: one line per problem, never a stack trace (exit code 2). */
export class CatalogueError extends Error {
  override readonly name = "CatalogueError";

  constructor(readonly problems: readonly CatalogueProblem[]) {
    super(problems.map(problemLine).join("\n"));
  }
}

/**
 * `tracking.yaml: streams.tracking.metrics[1].buckets: expected …, got …`,
 * and below it, for a YAML syntax error, the lines it is in with a caret.
 */
function problemLine(p: CatalogueProblem): string {
  const where = `${p.file}${p.line === undefined ? "" : `:${p.line}:${p.column}`}${p.path === "" ? "" : `: ${p.path}`}`;
  const got = p.got === undefined ? "" : `, got ${JSON.stringify(p.got)}`;
  return `${where}: expected ${p.expected}${got}${p.snippet === undefined ? "" : `\n${p.snippet}`}`;
}

/** `["streams", "x", "metrics", 1, "type"]` as `streams.x.metrics[1].type`. */
export function pathOf(parts: readonly (string | number)[]): string {
  return parts.reduce<string>(
    (path, part) => (typeof part === "number" ? `${path}[${part}]` : path === "" ? part : `${path}.${part}`),
    "",
  );
}
