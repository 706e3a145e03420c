import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { type CatalogueProblem, pathOf } from "./catalogue-error.js";
import { CATALOGUE_SCHEMA } from "./catalogue-schema.js";
import type { CatalogueFile } from "./catalogue-types.js";

const structure = new Ajv({ allErrors: true, strict: false }).compile(CATALOGUE_SCHEMA);

/** Reads and checks one catalogue file's structure; problems are collected, not thrown. */
export function readCatalogueFile(file: string, problems: CatalogueProblem[]): CatalogueFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    problems.push({ file, path: "", expected: `a readable file (${(error as NodeJS.ErrnoException).code})` });
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (error) {
    problems.push({ file, path: "", expected: `YAML (${(error as Error).message.split("\n")[0]})` });
    return undefined;
  }
  if (structure(parsed)) return parsed as CatalogueFile;
  for (const error of structure.errors ?? []) {
    const parts = error.instancePath
      .split("/")
      .slice(1)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const params = error.params as Record<string, unknown>;
    const expected =
      error.keyword === "enum"
        ? `one of ${(params.allowedValues as unknown[]).join(", ")}`
        : error.keyword === "const"
          ? `${JSON.stringify(params.allowedValue)} (the catalogue format this release reads)`
          : error.keyword === "additionalProperties"
            ? `no key ${JSON.stringify(params.additionalProperty)} (unknown)`
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

function valueAt(root: unknown, parts: readonly (string | number)[]): unknown {
  let node = root as Record<string | number, unknown> | undefined;
  for (const part of parts) node = node?.[part] as typeof node;
  return node;
}
