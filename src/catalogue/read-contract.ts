import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { compileContract } from "../decode/validate-event.js";
import type { CatalogueProblem } from "./catalogue-error.js";
import type { StreamSpec } from "./catalogue-types.js";

/** A stream's JSON Schema, read and compiled. */
export interface ReadContract {
  readonly jsonSchema: { properties: Record<string, object>; required?: string[]; type: "object" };
  readonly schemaFile: string;
  /** The fields of the stream's Avro record, when the contract names one. */
  readonly avroFields: ReadonlySet<string> | undefined;
}

function problemText(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/**
 * Reads a stream's contract, relative to the catalogue file that names it:
 * a JSON Schema of an object that the validator compiles, and the Avro
 * record producers register (its fields are checked against what the
 * metrics read). `undefined` (with problems) when it cannot be used.
 */
export function readContract(
  catalogueFile: string,
  contract: NonNullable<StreamSpec["contract"]>,
  at: (...path: string[]) => string,
  problems: CatalogueProblem[],
): ReadContract | undefined {
  const problem = (key: string, expected: string) =>
    problems.push({ file: catalogueFile, path: at("contract", key), expected, got: contract[key as "avro"] });
  const schemaFile = resolve(dirname(catalogueFile), contract["json-schema"]);
  let jsonSchema: ReadContract["jsonSchema"];
  try {
    jsonSchema = JSON.parse(readFileSync(schemaFile, "utf8")) as ReadContract["jsonSchema"];
  } catch (error) {
    problem("json-schema", `a readable JSON Schema file (${problemText(error)})`);
    return undefined;
  }
  if (jsonSchema?.type !== "object" || typeof jsonSchema.properties !== "object") {
    problem("json-schema", "a JSON Schema of an object with properties");
    return undefined;
  }
  try {
    compileContract(jsonSchema);
  } catch (error) {
    problem("json-schema", `a JSON Schema the validator compiles (${(error as Error).message})`);
    return undefined;
  }
  let avroFields: Set<string> | undefined;
  if (contract.avro !== undefined) {
    try {
      const record = JSON.parse(readFileSync(resolve(dirname(catalogueFile), contract.avro), "utf8")) as {
        type?: string;
        fields?: { name: string }[];
      };
      if (record.type !== "record" || !Array.isArray(record.fields))
        problem("avro", "an Avro schema of a record");
      else avroFields = new Set(record.fields.map((field) => field.name));
    } catch (error) {
      problem("avro", `a readable Avro schema file (${problemText(error)})`);
    }
  }
  return { jsonSchema, schemaFile, avroFields };
}
