import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { EventKind } from "../events/domain-event.js";
import type { RejectReason } from "../events/reject-reason.js";
import { readJsonSchema } from "./event-schemas.js";

/** A JSON value that failed its event schema, with the reason to count it under. */
export interface SchemaViolation {
  readonly reason: RejectReason;
  readonly detail: string;
}

/** Checks a parsed JSON value against its kind's schema; `undefined` when valid. */
export type EventValidator = (kind: EventKind, value: unknown) => SchemaViolation | undefined;

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
export function violationOf(errors: readonly ErrorObject[]): SchemaViolation {
  const concrete = errors.filter((error) => error.keyword !== "anyOf");
  const chosen = concrete.find((error) => error.keyword !== "type") ?? concrete[0] ?? errors[0];
  if (!chosen) return { reason: "invalid_value", detail: "schema violation" };
  const field =
    chosen.keyword === "required"
      ? `/${(chosen.params as { missingProperty: string }).missingProperty}`
      : chosen.instancePath || "/";
  const detail =
    chosen.keyword === "required" ? `${field} is required` : `${field} ${chosen.message ?? "is invalid"}`;
  if (field === "/timestamp") return { reason: "invalid_timestamp", detail };
  if (chosen.keyword === "type" && typeof chosen.data === "number" && !Number.isFinite(chosen.data)) {
    return { reason: "non_finite", detail: `${field} must be a finite number` };
  }
  return { reason: KEYWORD_REASONS[chosen.keyword] ?? "invalid_value", detail };
}

/**
 * Compiles the version-1 schemas from `schemas/` once. `verbose` keeps the
 * offending value on the error (only on the error path) to tell non-finite
 * numbers (`1e999` parses to Infinity) from wrong types.
 */
export function createEventValidator(): EventValidator {
  const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true });
  const compiled: Record<EventKind, ValidateFunction> = {
    detection: ajv.compile(readJsonSchema("detection")),
    llm: ajv.compile(readJsonSchema("llm")),
  };
  return (kind, value) => {
    const validate = compiled[kind];
    return validate(value) ? undefined : violationOf(validate.errors ?? []);
  };
}
