import type { SettingValues } from "../config/load-config.js";
import type { REGISTER_SETTINGS } from "./register-settings.js";
import { createRegistryClient } from "./registry-client.js";
import { registerSchemaFiles } from "./schema-publisher.js";

/** Validated settings of `metrics-aggregator register-schemas`. */
export type RegisterConfig = SettingValues<typeof REGISTER_SETTINGS>;

/**
 * `metrics-aggregator register-schemas` (`npm run schemas:register`):
 * registers `schemas/` for producers in other languages and prints one line
 * per schema (subject, version, id). Resolves with the exit code.
 */
export async function registerCommand(
  config: RegisterConfig,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): Promise<number> {
  const client = createRegistryClient({
    url: config.registry,
    username: config.username,
    password: config.password,
    requestTimeoutMs: 10_000,
  });
  try {
    const registered = await registerSchemaFiles(client, {
      detection: config.detectionTopic,
      llm: config.llmTopic,
    });
    for (const file of registered) {
      stdout.write(`${JSON.stringify({ subject: file.subject, file: file.file, id: file.id })}\n`);
    }
    return 0;
  } catch (error) {
    stderr.write(
      `metrics-aggregator register-schemas: cannot register in ${config.registry}: ${(error as Error).message}\n`,
    );
    return 1;
  }
}
