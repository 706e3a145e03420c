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

/** A stream's validator: its contract, compiled once, and its reasons. */
export function createEventValidator(contract: StreamContract): EventValidator {
  const validate = compileContract(contract.jsonSchema);
  const timeField = contract.timeField;
  return (value) => (validate(value) ? undefined : violationOf(validate.errors ?? [], timeField));
}

/**
 * Compiles a contract as the decoder runs it, once per schema; throws on a
 * schema ajv cannot compile. One ajv per contract: two streams' schemas may
 * share an `$id`.
 */
export function compileContract(jsonSchema: object): ValidateFunction {
  let validate = compiled.get(jsonSchema);
  if (validate === undefined) {
    // Not strict about the schema (a user's may carry formats and keywords ajv does not know: ignored,
    // silently), strict about numbers: 1e999 parses to Infinity, which no number field accepts.
    // `verbose` keeps the offending value on an error, to tell non-finite numbers from wrong types.
    validate = new Ajv({
      allErrors: false,
      verbose: true,
      strict: false,
      strictNumbers: true,
      allowUnionTypes: true,
      logger: false,
    }).compile(jsonSchema);
    compiled.set(jsonSchema, validate);
  }
  return validate;
}

/** Validators by schema: the catalogue's check at start and the decoder share one compile. */
const compiled = new WeakMap<object, ValidateFunction>();
