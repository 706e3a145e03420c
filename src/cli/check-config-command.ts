import { CatalogueError } from "../catalogue/catalogue-error.js";
import { type CatalogueSettings, loadCatalogue } from "../catalogue/load-catalogue.js";
import { userErrorText } from "./user-error.js";

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/**
 * `metrics-aggregator check-config [FILE]`: the start's catalogue checks,
 * without Kafka. Prints what the catalogue defines and returns 0, or one line
 * per problem and returns 2.
 */
export function checkConfigCommand(
  settings: CatalogueSettings,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): number {
  try {
    const catalogue = loadCatalogue(settings);
    const metrics = catalogue.streams.reduce((sum, stream) => sum + stream.metrics.length, 0);
    out.write(
      `${catalogue.files.join(" + ")}: valid: ${count(catalogue.streams.length, "stream")}, ${count(metrics, "metric")}\n`,
    );
    for (const stream of catalogue.streams) {
      out.write(
        `  ${stream.name} (topic ${stream.topic}): ${stream.metrics.map((m) => m.name).join(", ")}\n`,
      );
    }
    return 0;
  } catch (error) {
    if (!(error instanceof CatalogueError)) throw error;
    err.write(userErrorText(error.message));
    return 2;
  }
}
