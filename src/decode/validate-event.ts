import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { RejectReason } from "../events/reject-reason.js";
import type { StreamContract } from "./stream-contract.js";

/** A JSON value that failed its event schema, with the reason to count it under. */
export interface SchemaViolation {
  readonly reason: RejectReason;
  readonly detail: string;
}

/** Checks a parsed JSON value against one stream's contract; `undefined` when valid. */
export type EventValidator = (value: unknown) => SchemaViolation | undefined;

const KEYWORD_REASONS: Readonly<Record<string, RejectReason>> = {
  required: "missing_field",
  type: "wrong_type",
  minimum: "out_of_range",
  maximum: "out_of_range",
  exclusiveMinimum: "out_of_range",
  exclusiveMaximum: "out_of_range",
  enum: "invalid_value",
  const: "invalid_value",
  pattern: "invalid_value",
  minLength: "invalid_value",
  maxLength: "invalid_value",
};

/**
 * Turns ajv's errors into one reason. Inside an `anyOf` every branch reports;
 * the branch whose type matched says more (a negative id is out of range, not
 * of the wrong type), so a non-`type` error wins over `type` errors.
 */
export function violationOf(errors: readonly ErrorObject[], timeField = "timestamp"): SchemaViolation {
  const concrete = errors.filter((error) => error.keyword !== "anyOf");
  const chosen = concrete.find((error) => error.keyword !== "type") ?? concrete[0] ?? errors[0];
  if (!chosen) return { reason: "invalid_value", detail: "schema violation" };
  const field =
    chosen.keyword === "required"
      ? `/${(chosen.params as { missingProperty: string }).missingProperty}`
      : chosen.instancePath || "/";
  const detail =
    chosen.keyword === "required" ? `${field} is required` : `${field} ${chosen.message ?? "is invalid"}`;
  if (field === `/${timeField}`) return { reason: "invalid_timestamp", detail };
  if (chosen.keyword === "type" && typeof chosen.data === "number" && !Number.isFinite(chosen.data)) {
    return { reason: "non_finite", detail: `${field} must be a finite number` };
  }
  return { reason: KEYWORD_REASONS[chosen.keyword] ?? "invalid_value", detail };
}

/**
 * Compiles a stream's contract once. `verbose` keeps the offending value on
 * the error (only on the error path) to tell non-finite numbers (`1e999`
 * parses to Infinity) from wrong types.
 */
export function createEventValidator(contract: StreamContract): EventValidator {
  const validate = compileContract(contract.jsonSchema, { verbose: true });
  const timeField = contract.timeField;
  return (value) => (validate(value) ? undefined : violationOf(validate.errors ?? [], timeField));
}

/** Compiles one contract as the decoder runs it; throws on a schema ajv cannot compile. */
export function compileContract(
  jsonSchema: object,
  options: { verbose: boolean } = { verbose: false },
): ValidateFunction {
  // Not strict about the schema (a user's may carry formats and keywords ajv does not know: ignored,
  // silently), strict about numbers: 1e999 parses to Infinity, which no number field accepts.
  return new Ajv({
    allErrors: false,
    verbose: options.verbose,
    strict: false,
    strictNumbers: true,
    allowUnionTypes: true,
    logger: false,
  }).compile(jsonSchema);
}
