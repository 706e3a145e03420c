import { Command, CommanderError } from "commander";
import type { SettingTable } from "../config/load-config.js";
import { CATALOGUE_SETTINGS, SETTINGS } from "../config/settings.js";
import { PRODUCE_SETTINGS } from "../produce/produce-settings.js";
import { REGISTER_SETTINGS } from "../registry/register-settings.js";
import { VERSION } from "../version.js";

/** Raw flag values by setting key; validated later together with the environment. */
export type RawFlags = Readonly<Record<string, string | undefined>>;

/** What the command line asked for. */
export type CommandLine =
  | { readonly command: "run"; readonly flags: RawFlags }
  | { readonly command: "produce"; readonly flags: RawFlags }
  | { readonly command: "register-schemas"; readonly flags: RawFlags }
  | { readonly command: "check-config"; readonly file: string | undefined; readonly flags: RawFlags }
  | { readonly command: "exit"; readonly code: number };

/** Every setting of a table as a flag whose help names its environment variable and default. */
function withSettings(command: Command, table: SettingTable): Command {
  for (const spec of Object.values(table)) {
    command.option(
      `${spec.flag} <value>`,
      `${spec.description} [env ${spec.env}] ${spec.defaultValue === "" ? "(no default)" : `(default: ${spec.defaultValue})`}`,
    );
  }
  return command;
}

/** Only the flags the user gave, by setting key. */
function givenFlags(command: Command, table: SettingTable): RawFlags {
  const options = command.opts<Record<string, string | undefined>>();
  return Object.fromEntries(
    Object.keys(table).flatMap((key) => (options[key] === undefined ? [] : [[key, options[key]]])),
  );
}

/** A subcommand whose flags are a setting table; `done` hears the flags given and its argument, if it has one. */
function subcommand(
  parent: Command,
  spec: {
    readonly name: string;
    readonly description: string;
    readonly argument?: readonly [string, string];
    readonly table: SettingTable;
    readonly done: (flags: RawFlags, argument: string | undefined) => void;
  },
): void {
  const command = parent.command(spec.name).description(spec.description).exitOverride();
  if (spec.argument) command.argument(...spec.argument);
  withSettings(command, spec.table).action((argument?: unknown) =>
    spec.done(givenFlags(command, spec.table), typeof argument === "string" ? argument : undefined),
  );
}

/**
 * Parses the command line with commander: the service by default, the
 * `produce` load generator, `register-schemas`, or `check-config`. Values stay text here; they are validated with
 * the environment by the setting tables.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let result: CommandLine = { command: "exit", code: 0 };
  const program = withSettings(
    new Command("metrics-aggregator")
      .description(
        "Consumes the event streams its metric catalogue declares from Kafka and serves them as Prometheus metrics.",
      )
      .version(VERSION)
      // the service's flags go before `produce`, produce's after it: both have --brokers
      .enablePositionalOptions()
      .exitOverride()
      .showHelpAfterError("(run with --help for every setting)"),
    SETTINGS,
  ).action(() => {
    result = { command: "run", flags: givenFlags(program, SETTINGS) };
  });
  subcommand(program, {
    name: "produce",
    description:
      "Produces synthetic events of the shipped catalogue's streams (detection, LLM) at a steady rate, with a progress line.",
    table: PRODUCE_SETTINGS,
    done: (flags) => {
      result = { command: "produce", flags };
    },
  });
  subcommand(program, {
    name: "register-schemas",
    description:
      "Registers the shipped catalogue's schemas (schemas/, Avro and JSON Schema) in a schema registry for producers.",
    table: REGISTER_SETTINGS,
    done: (flags) => {
      result = { command: "register-schemas", flags };
    },
  });
  subcommand(program, {
    name: "check-config",
    argument: ["[file]", "a catalogue to check with the shipped one (as METRICS_CONFIG would add it)"],
    description:
      "Checks the metric catalogue (the shipped one and FILE) without Kafka: exit 0 when valid, 2 with one line per problem.",
    table: CATALOGUE_SETTINGS,
    done: (flags, file) => {
      result = { command: "check-config", file, flags };
    },
  });
  try {
    program.parse([...argv], { from: "node" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed help, the version or the error itself
      return { command: "exit", code: error.exitCode === 0 ? 0 : 2 };
    }
    throw error;
  }
  return result;
}
