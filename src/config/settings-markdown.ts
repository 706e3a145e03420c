import type { SettingTable } from "./load-config.js";

const cell = (text: string) => text.replaceAll("|", "\\|");

/**
 * A settings table as Markdown: variable, flag, default, meaning. The one
 * table of settings feeds validation, the CLI's `--help` and this reference;
 * `npm run docs` writes it into docs/configuration.md and a test keeps the
 * two in step.
 */
export function settingsMarkdown(table: SettingTable): string {
  const rows = Object.values(table).map(
    (spec) =>
      `| \`${spec.env}\` | \`${spec.flag}\` | ${spec.defaultValue === "" ? "(empty)" : `\`${cell(spec.defaultValue)}\``} | ${cell(spec.description)} |`,
  );
  return ["| variable | flag | default | meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}
