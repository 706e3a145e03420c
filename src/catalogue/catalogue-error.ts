/** One problem in a catalogue: where (file and path inside it) and what was expected. */
export interface CatalogueProblem {
  readonly file: string;
  /** e.g. `streams.tracking.metrics[1].type`; empty for the file as a whole. */
  readonly path: string;
  readonly expected: string;
  readonly got?: unknown;
}

/** A catalogue that cannot be used: one line per problem, never a stack trace (exit code 2). */
export class CatalogueError extends Error {
  override readonly name = "CatalogueError";
  readonly retriable = false;

  constructor(readonly problems: readonly CatalogueProblem[]) {
    super(
      `invalid metric catalogue:\n${problems
        .map(
          (p) =>
            `  ${p.file}${p.path === "" ? "" : `: ${p.path}`}: expected ${p.expected}${p.got === undefined ? "" : `, got ${JSON.stringify(p.got)}`}`,
        )
        .join("\n")}`,
    );
  }
}

/** `["streams", "x", "metrics", 1, "type"]` as `streams.x.metrics[1].type`. */
export function pathOf(parts: readonly (string | number)[]): string {
  return parts.reduce<string>(
    (path, part) => (typeof part === "number" ? `${path}[${part}]` : path === "" ? part : `${path}.${part}`),
    "",
  );
}
