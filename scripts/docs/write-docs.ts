/**
 * `npm run docs`: writes the generated parts of docs/ (the settings tables of
 * docs/configuration.md) from the code that defines them. A test fails when
 * they differ, so the reference never drifts from the service.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { generatedDocs } from "./generated-docs.js";

for (const { file, begin, end, content } of generatedDocs()) {
  const text = readFileSync(file, "utf8");
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file.pathname}: markers ${begin} … ${end} not found`);
  writeFileSync(file, `${text.slice(0, from + begin.length)}\n${content}\n${text.slice(to)}`);
  process.stdout.write(`updated ${file.pathname}\n`);
}
