import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { generatedDocs } from "../../scripts/docs/generated-docs.js";
import { eventFamilies } from "../../src/aggregate/event-families.js";
import { REJECT_REASONS, SKIP_REASONS } from "../../src/events/reject-reason.js";
import { RegistryMetrics } from "../../src/self-metrics/registry-metrics.js";
import { SelfMetrics } from "../../src/self-metrics/self-metrics.js";
import { testCatalogue } from "../support/catalogue.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const pages = [
  "README.md",
  "BENCHMARKS.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const read = (page: string) => readFileSync(join(ROOT, page), "utf8");

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/[^\p{L}\p{N} -]/gu, "")
    .replace(/ /g, "-");
}

function anchorsOf(page: string): Set<string> {
  return new Set(
    read(page)
      .split("\n")
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => anchor(line.replace(/^#+ /, ""))),
  );
}

describe("documentation", () => {
  it("keeps the README a front door: at most 12 KB", () => {
    expect(Buffer.byteLength(read("README.md"))).toBeLessThanOrEqual(12 * 1024);
  });

  it("has no broken relative link or anchor, in the README or docs/", () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = read(page).replace(/```[\s\S]*?```/g, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target as string)) continue;
        const [path, hash] = (target as string).split("#") as [string, string | undefined];
        const file = path === "" ? page : join(dirname(page), path);
        if (!existsSync(resolve(ROOT, file))) broken.push(`${page}: ${target} (no such file)`);
        else if (hash && file.endsWith(".md") && !anchorsOf(file).has(hash)) {
          broken.push(`${page}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it("has the generated parts of docs/ in step with the code (npm run docs writes them)", () => {
    for (const { file, begin, end, content } of generatedDocs()) {
      const text = readFileSync(file, "utf8");
      expect(text.slice(text.indexOf(begin) + begin.length, text.indexOf(end)).trim(), begin).toBe(content);
    }
  });

  it("documents every metric the service exports, every reject and skip reason", () => {
    const families = eventFamilies([...testCatalogue().models.values()], () => []);
    const registry = new Registry();
    new SelfMetrics(registry, ["t"], "0", {
      bounds: async () => new Map(),
      committed: async () => new Map(),
    });
    new RegistryMetrics(registry);
    const metrics = read("docs/metrics.md");
    const names = [...families.all.map((f) => f.name), ...registry.getMetricsAsArray().map((m) => m.name)];
    for (const name of names) expect(metrics, name).toContain(`| \`${name}\` |`);
    for (const reason of [...REJECT_REASONS, ...SKIP_REASONS])
      expect(metrics, reason).toContain(`\`${reason}\``);
  });
});
