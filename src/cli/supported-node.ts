import { readFileSync } from "node:fs";

/**
 * Why this Node.js cannot run the package, or `undefined` when it can.
 * `engines.node` is read from package.json (one level above `src/` and
 * `dist/`) in the form this package uses, `>=MAJOR[.MINOR[.PATCH]]`; any
 * other form is not checked here (npm warns about it at install).
 */
export function unsupportedNode(version: string, engines: string | undefined): string | undefined {
  const wanted = /^\s*>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(engines ?? "");
  if (!wanted) return undefined;
  const have = version.replace(/^v/, "").split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const need = Number(wanted[i + 1] ?? 0);
    const got = have[i] ?? 0;
    if (got > need) return undefined;
    if (got < need) {
      return `Node.js ${version.replace(/^v/, "")} is older than this package supports (engines: node ${engines?.trim()}); install Node.js ${wanted[1]} or newer`;
    }
  }
  return undefined;
}

/** The `engines.node` range of package.json. */
export function enginesNode(): string | undefined {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    engines?: { node?: string };
  };
  return manifest.engines?.node;
}

/**
 * Stops the process at once, with one line and exit code 2, on a Node.js
 * older than `engines` says: before anything that might fail on it in a less
 * readable way is even loaded (entry points import the rest after this).
 */
export function requireSupportedNode(program: string): void {
  const problem = unsupportedNode(process.versions.node, enginesNode());
  if (problem === undefined) return;
  process.stderr.write(`${program}: ${problem}\n`);
  process.exit(2);
}
