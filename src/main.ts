#!/usr/bin/env node
/**
 * The `metrics-aggregator` command. The Node.js version is checked before
 * anything else is loaded, so an old one gets one line naming both versions
 * rather than whatever the first unsupported feature would throw.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { requireSupportedNode } from "./cli/supported-node.js";

function invokedDirectly(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  requireSupportedNode("metrics-aggregator");
  const { runCommandLine } = await import("./cli/run-command-line.js");
  await runCommandLine();
}
