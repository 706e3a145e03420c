import { catalogueSettings } from "../../src/catalogue/catalogue-settings.js";
import { type CompiledCatalogue, compileCatalogue } from "../../src/catalogue/compile-catalogue.js";
import { type Catalogue, loadCatalogue } from "../../src/catalogue/load-catalogue.js";
import { loadSettings } from "../../src/config/load-config.js";
import { CATALOGUE_SETTINGS } from "../../src/config/settings.js";

/**
 * The shipped catalogue (plus a file of the test's, if given), with the
 * settings it reads at their defaults unless the test sets them by variable.
 */
export function testCatalogue(
  env: Readonly<Record<string, string>> = {},
): CompiledCatalogue & { catalogue: Catalogue } {
  const catalogue = loadCatalogue(catalogueSettings(loadSettings(CATALOGUE_SETTINGS, {}, env)));
  return { ...compileCatalogue(catalogue), catalogue };
}
