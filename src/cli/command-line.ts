import { Command, CommanderError } from "commander";
import type { FlagValues } from "../config/load-config.js";
import { SETTINGS, type SettingKey } from "../config/settings.js";
import { VERSION } from "../version.js";

/** What the command line asked for. */
export type CommandLine =
  | { readonly command: "run"; readonly flags: FlagValues }
  | { readonly command: "exit"; readonly code: number };

/**
 * Parses the command line with commander. Every setting is a flag whose help
 * names its environment variable and default; the values stay text here and
 * are validated with the environment by `loadConfig`.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const program = new Command("metrics-aggregator")
    .description("Consumes detection and LLM events from Kafka and serves them as Prometheus metrics.")
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError("(run metrics-aggregator --help for every setting)");
  for (const spec of Object.values(SETTINGS)) {
    program.option(
      `${spec.flag} <value>`,
      `${spec.description} [env ${spec.env}] (default: ${spec.defaultValue})`,
    );
  }
  try {
    program.parse([...argv], { from: "node" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed help, the version or the error itself
      return { command: "exit", code: error.exitCode === 0 ? 0 : 2 };
    }
    throw error;
  }
  const options = program.opts<Record<string, string | undefined>>();
  const flags: FlagValues = {};
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const value = options[key];
    if (value !== undefined) flags[key] = value;
  }
  return { command: "run", flags };
}
