import { readFileSync } from "node:fs";
import { CatalogueError } from "../catalogue/catalogue-error.js";
import { catalogueSettings } from "../catalogue/catalogue-settings.js";
import { loadCatalogue } from "../catalogue/load-catalogue.js";
import { ConfigError } from "../config/config-error.js";
import { checkChangelogNames, loadConfig, loadSettings, redactSecrets } from "../config/load-config.js";
import { CATALOGUE_SETTINGS, type Config, SETTINGS } from "../config/settings.js";
import { checkWebConfigAgainst, loadWebConfig, type WebConfig } from "../config/web-config.js";
import { createLogger } from "../log/logger.js";
import { produceCommand } from "../produce/produce-command.js";
import { PRODUCE_SETTINGS } from "../produce/produce-settings.js";
import { registerCommand } from "../registry/register-command.js";
import { REGISTER_SETTINGS } from "../registry/register-settings.js";
import { type RunningAggregator, startAggregator } from "../service/start-service.js";
import { VERSION } from "../version.js";
import { checkConfigCommand } from "./check-config-command.js";
import { parseCommandLine } from "./command-line.js";
import { routeProcessWarnings } from "./process-warnings.js";
import { userErrorText } from "./user-error.js";

const readTextFile = (path: string) => readFileSync(path, "utf8");

/**
 * Runs a command of `metrics-aggregator`; the service (the default command)
 * until SIGTERM or SIGINT, then shuts it down in order within
 * `SHUTDOWN_TIMEOUT`. A user error (a bad flag, setting or catalogue, a port
 * in use) is one line per problem and exit code 2, never a stack trace. The
 * only reader of `process.env`.
 */
export async function runCommandLine(
  argv: readonly string[] = process.argv,
  env = process.env,
): Promise<void> {
  const commandLine = parseCommandLine(argv);
  if (commandLine.command === "exit") process.exit(commandLine.code);
  routeProcessWarnings((warning) =>
    process.stderr.write(`metrics-aggregator: ${warning.name}: ${warning.message}\n`),
  );
  let config: Config;
  let catalogue: ReturnType<typeof loadCatalogue>;
  let web: WebConfig | undefined;
  try {
    if (commandLine.command === "produce") {
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      process.once("SIGTERM", () => stop.abort());
      const produceConfig = loadSettings(PRODUCE_SETTINGS, commandLine.flags, env, readTextFile);
      process.exit(await produceCommand(produceConfig, stop.signal, process.stdout, process.stderr));
    }
    if (commandLine.command === "check-config") {
      const values = loadSettings(CATALOGUE_SETTINGS, commandLine.flags, env, readTextFile);
      const file = commandLine.file ?? values.metricsConfig;
      const source = commandLine.file === undefined ? "setting" : "argument";
      process.exit(
        checkConfigCommand(
          catalogueSettings({ ...values, metricsConfig: file }, source),
          process.stdout,
          process.stderr,
        ),
      );
    }
    if (commandLine.command === "register-schemas") {
      const registerConfig = loadSettings(REGISTER_SETTINGS, commandLine.flags, env, readTextFile);
      process.exit(await registerCommand(registerConfig, process.stdout, process.stderr));
    }
    config = loadConfig(commandLine.flags, env, readTextFile);
    web = loadWebConfig(config.webConfigFile, readTextFile);
    checkWebConfigAgainst(config, web);
    // Checked before anything starts or is logged: a wrong catalogue is a wrong setting.
    catalogue = loadCatalogue(catalogueSettings(config, "setting"));
    checkChangelogNames(
      config,
      catalogue.streams.map((stream) => stream.topic),
    );
  } catch (error) {
    exitOnUserError(error);
    throw error;
  }

  const logger = createLogger(config.logLevel);
  routeProcessWarnings((warning) =>
    logger.warn(
      { event: "process_warning", warning: warning.name, detail: warning.message },
      "process warning",
    ),
  );
  let running: RunningAggregator | undefined;
  let stopping = false;
  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: "shutdown", phase: "begin", reason }, "shutting down");
    setTimeout(() => {
      logger.error(
        { event: "shutdown", phase: "timeout", timeoutMs: config.shutdownTimeout },
        "shutdown timed out",
      );
      process.exit(1);
    }, config.shutdownTimeout).unref();
    try {
      await running?.stop();
    } catch (error) {
      logger.error({ event: "shutdown", phase: "error", error: (error as Error).message }, "shutdown failed");
      exitCode = 1;
    }
    logger.flush();
    process.exit(exitCode);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM", 0));
  process.once("SIGINT", () => void shutdown("SIGINT", 0));

  logger.info({ event: "starting", version: VERSION, config: redactSecrets(SETTINGS, config) }, "starting");
  try {
    running = await startAggregator(config, logger, {
      catalogue,
      web,
      readFile: readTextFile,
      onFatal: (error) => {
        // A setting the brokers refused (a session timeout outside their range) is the user's to fix.
        if (error instanceof ConfigError) printUserError(error);
        void shutdown(`fatal: ${error.message}`, error instanceof ConfigError ? 2 : 1);
      },
    });
  } catch (error) {
    exitOnUserError(error);
    throw error;
  }
}

/** A bad setting or catalogue: one line per problem and exit code 2, never a stack trace. */
function exitOnUserError(error: unknown): void {
  if (!(error instanceof ConfigError || error instanceof CatalogueError)) return;
  printUserError(error);
  process.exit(2);
}

function printUserError(error: Error): void {
  process.stderr.write(userErrorText(error.message));
}
