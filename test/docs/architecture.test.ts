import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Every TypeScript file below a folder of the repository, by its path from the root. */
function filesIn(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** What a file imports: packages by name, files by their path from the root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const specifiers = [...text.matchAll(/^(?:import|export)[^;]*?from "([^"]+)"/gms)].map(
    (m) => m[1] as string,
  );
  return specifiers.map((specifier) =>
    specifier.startsWith(".") ? relative(ROOT, resolve(dirname(join(ROOT, file)), specifier)) : specifier,
  );
}

const SRC = filesIn("src");
const under = (folder: string) => (path: string) => path.startsWith(`${folder}/`);

describe("the layout of src/ (docs/architecture.md)", () => {
  it("has no file over 300 lines, and a main.ts under 120", () => {
    const lines = (file: string) => readFileSync(join(ROOT, file), "utf8").split("\n").length - 1;
    expect(SRC.filter((file) => lines(file) > 300).map((file) => `${file}: ${lines(file)}`)).toEqual([]);
    expect(lines("src/main.ts")).toBeLessThan(120);
  });

  it("keeps decode, aggregate, events and pipeline free of Kafka, Hono and the stages after them", () => {
    const pure = SRC.filter((file) =>
      ["src/decode", "src/aggregate", "src/events", "src/pipeline"].some((f) => under(f)(file)),
    );
    expect(pure.length).toBeGreaterThan(20);
    const forbidden = (path: string) =>
      ["kafkajs", "hono", "prom-client"].includes(path) ||
      path.startsWith("@hono/") ||
      ["src/state", "src/expose", "src/service", "src/cli"].some((folder) => under(folder)(path)) ||
      (under("src/source")(path) && path !== "src/source/record-batch.js");
    const found = pure.flatMap((file) =>
      importsOf(file)
        .filter(forbidden)
        .map((path) => `${file} imports ${path}`),
    );
    expect(found).toEqual([]);
  });

  it("lets only the wiring and the command line import the wiring, and no product code import the tests", () => {
    const wiringImports = SRC.filter(
      (file) => !under("src/service")(file) && !under("src/cli")(file),
    ).flatMap((file) =>
      importsOf(file)
        .filter(under("src/service"))
        .map((path) => `${file} imports ${path}`),
    );
    expect(wiringImports).toEqual([]);
    const product = [...SRC, ...filesIn("scripts")];
    const testImports = product.flatMap((file) =>
      importsOf(file)
        .filter(under("test"))
        .map((path) => `${file} imports ${path}`),
    );
    expect(testImports).toEqual([]);
  });
});
