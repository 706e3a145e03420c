import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import { parseDocument } from "yaml";
import { type CatalogueProblem, pathOf } from "./catalogue-error.js";
import { CATALOGUE_SCHEMA } from "./catalogue-schema.js";
import type { CatalogueFile } from "./catalogue-types.js";
import { didYouMean } from "./did-you-mean.js";

const structure = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(CATALOGUE_SCHEMA);

/** YAML syntax errors reported from one file at most (the first usually causes the rest). */
const MAX_SYNTAX_ERRORS = 3;

/**
 * Reads and checks one catalogue file's structure; problems are collected,
 * not thrown. `setting`: the setting that named the file, which a file that
 * cannot be read is reported against.
 */
export function readCatalogueFile(
  file: string,
  problems: CatalogueProblem[],
  setting?: string,
): CatalogueFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push(
      setting === undefined
        ? { file, path: "", expected: `a readable file (${code})` }
        : { file: setting, path: "", expected: `the path of a readable catalogue file (${code})`, got: file },
    );
    return undefined;
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    for (const error of document.errors.slice(0, MAX_SYNTAX_ERRORS)) {
      const at = error.linePos?.[0];
      problems.push({
        file,
        path: "",
        expected: `YAML (${(error.message.split("\n")[0] as string).replace(/ at line \d+, column \d+:?$/, "")})`,
        ...(at ? { line: at.line, column: at.col, snippet: snippet(text, at.line, at.col) } : {}),
      });
    }
    return undefined;
  }
  const parsed: unknown = document.toJS();
  // Unknown keys are reported, then left out, so the rest of the file is still checked in the same pass.
  for (const error of structure(parsed) ? [] : (structure.errors ?? [])) {
    if (error.keyword !== "additionalProperties") continue;
    const parts = partsOf(error);
    const key = (error.params as { additionalProperty: string }).additionalProperty;
    const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    const meant = didYouMean(key, known);
    problems.push({
      file,
      path: pathOf(parts),
      expected: `no key ${JSON.stringify(key)} (${meant ? `did you mean ${JSON.stringify(meant)}?` : `known keys: ${known.join(", ")}`})`,
    });
    delete (valueAt(parsed, parts) as Record<string, unknown>)[key];
  }
  if (structure(parsed)) return parsed as CatalogueFile;
  for (const error of structure.errors ?? []) {
    const parts = partsOf(error);
    const params = error.params as Record<string, unknown>;
    const expected =
      error.keyword === "enum"
        ? `one of ${(params.allowedValues as unknown[]).join(", ")}`
        : error.keyword === "const"
          ? `${JSON.stringify(params.allowedValue)} (the catalogue format this release reads)`
          : error.keyword === "required"
            ? `a ${JSON.stringify(params.missingProperty)} key`
            : error.keyword === "pattern" && parts.at(-1) === "name"
              ? "a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)"
              : error.keyword === "propertyNames"
                ? "stream names of lower-case letters, digits, _ and -"
                : (error.message ?? "a valid value");
    if (error.keyword === "anyOf" || error.keyword === "if") continue;
    problems.push({
      file,
      path: pathOf(parts),
      expected,
      got: error.keyword === "required" ? undefined : valueAt(parsed, parts),
    });
  }
  return undefined;
}

/** Where in the catalogue an ajv error is, as path parts. */
function partsOf(error: ErrorObject): (string | number)[] {
  return error.instancePath
    .split("/")
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replaceAll("~1", "/").replaceAll("~0", "~")));
}

/** The line before, the line of the error and a caret under its column, with line numbers. */
function snippet(text: string, line: number, column: number): string {
  const lines = text.split(/\r?\n/);
  const width = String(line).length;
  const numbered = (n: number) => `  ${String(n).padStart(width)} | ${lines[n - 1] ?? ""}`;
  return [
    ...(line > 1 ? [numbered(line - 1)] : []),
    numbered(line),
    `  ${" ".repeat(width)} | ${" ".repeat(Math.max(0, column - 1))}^`,
  ].join("\n");
}

function valueAt(root: unknown, parts: readonly (string | number)[]): unknown {
  let node = root as Record<string | number, unknown> | undefined;
  for (const part of parts) node = node?.[part] as typeof node;
  return node;
}
