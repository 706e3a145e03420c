import { catalogueMarkdown } from "../../src/catalogue/catalogue-markdown.js";
import { catalogueSettings } from "../../src/catalogue/catalogue-settings.js";
import { loadCatalogue } from "../../src/catalogue/load-catalogue.js";
import { loadSettings } from "../../src/config/load-config.js";
import { CATALOGUE_SETTINGS, SETTINGS } from "../../src/config/settings.js";
import { settingsMarkdown } from "../../src/config/settings-markdown.js";
import { PRODUCE_SETTINGS } from "../../src/produce/produce-settings.js";
import { REGISTER_SETTINGS } from "../../src/registry/register-settings.js";
import { transitionsMarkdown } from "../../src/state/lifecycle/task-phase.js";

/** A part of a document generated from code, between two HTML comments. */
export interface GeneratedPart {
  readonly file: URL;
  readonly begin: string;
  readonly end: string;
  readonly content: string;
}

const docs = (name: string) => new URL(`../../docs/${name}`, import.meta.url);
const part = (file: URL, name: string, content: string): GeneratedPart => ({
  file,
  begin: `<!-- generated: ${name} -->`,
  end: `<!-- end: ${name} -->`,
  content,
});

/** Every generated part of docs/. */
export function generatedDocs(): GeneratedPart[] {
  return [
    part(docs("configuration.md"), "service settings", settingsMarkdown(SETTINGS)),
    part(docs("configuration.md"), "produce settings", settingsMarkdown(PRODUCE_SETTINGS)),
    part(docs("configuration.md"), "register-schemas settings", settingsMarkdown(REGISTER_SETTINGS)),
    part(docs("metrics.md"), "built-in metrics", catalogueMarkdown(shippedCatalogue())),
    part(docs("architecture.md"), "lifecycle transitions", transitionsMarkdown()),
  ];
}

/** The shipped catalogue with every setting it reads at its default. */
function shippedCatalogue() {
  return loadCatalogue(catalogueSettings(loadSettings(CATALOGUE_SETTINGS, {}, {})));
}
