import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCHEMA_FILES } from "../../src/registry/schema-files.js";
import { runProgram } from "../support/run-command.js";
import { SchemaRegistryStandIn } from "../support/schema-registry-stand-in.js";

/** `npm run schemas:register -- <args>`, as a producer team would run it. */
const registerSchemas = (...args: string[]) =>
  runProgram("npm", ["run", "--silent", "schemas:register", "--", ...args]);

describe("npm run schemas:register", () => {
  let registry: SchemaRegistryStandIn;

  beforeAll(async () => {
    registry = await new SchemaRegistryStandIn().start();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it("registers every file of schemas/ under its topic's subject, oldest version first", async () => {
    const run = await registerSchemas(
      "--registry",
      registry.url,
      "--detection-topic",
      "cams",
      "--llm-topic",
      "calls",
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { subject: string; file: string; id: number });
    expect(lines).toEqual([
      { subject: "cams-value", file: "detection-event.v1.avsc", id: 1 },
      { subject: "cams-value", file: "detection-event.v2.avsc", id: 2 },
      { subject: "cams-jsonschema-value", file: "detection-event.v1.schema.json", id: 3 },
      { subject: "cams-jsonschema-value", file: "detection-event.v2.schema.json", id: 4 },
      { subject: "calls-value", file: "llm-event.v1.avsc", id: 5 },
      { subject: "calls-jsonschema-value", file: "llm-event.v1.schema.json", id: 6 },
    ]);
    expect(lines.map((line) => line.file)).toEqual(SCHEMA_FILES.map((file) => file.file));
  });

  it("says why when the registry cannot be reached, without a stack trace", async () => {
    const run = await registerSchemas("--registry", "http://127.0.0.1:1");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^metrics-aggregator register-schemas: cannot register in http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
