/** What a stream's contract says about one top-level field. */
export interface ContractField {
  readonly types: ReadonlySet<string>;
  /** The lowest number the contract allows (inclusive), when it bounds the field below. */
  readonly minimum: number | undefined;
  /** The only values the contract allows, when it lists them. */
  readonly enum: readonly (string | number | boolean)[] | undefined;
  /** Whether every valid event has the field. */
  readonly required: boolean;
}

interface SchemaNode {
  type?: string | string[];
  enum?: (string | number | boolean)[];
  const?: string | number | boolean;
  minimum?: number;
  exclusiveMinimum?: number;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
}

/** A schema node's types, lower bound and enum; `anyOf`/`oneOf` branches are joined. */
function describe(node: SchemaNode): Omit<ContractField, "required"> {
  const branches = node.anyOf ?? node.oneOf;
  if (branches) {
    const parts = branches.map(describe);
    const numeric = parts.filter((p) => p.types.has("number") || p.types.has("integer"));
    const bounds = numeric.map((p) => p.minimum);
    return {
      types: new Set(parts.flatMap((p) => [...p.types])),
      minimum:
        bounds.length > 0 && bounds.every((b) => b !== undefined)
          ? Math.min(...(bounds as number[]))
          : undefined,
      enum: parts.every((p) => p.enum) ? parts.flatMap((p) => p.enum ?? []) : undefined,
    };
  }
  const values = node.enum ?? (node.const === undefined ? undefined : [node.const]);
  const types = new Set(
    node.type === undefined
      ? (values ?? []).map((v) => typeof v)
      : Array.isArray(node.type)
        ? node.type
        : [node.type],
  );
  const minimum = node.minimum ?? (node.exclusiveMinimum === undefined ? undefined : node.exclusiveMinimum);
  return { types, minimum, enum: values };
}

/** The top-level fields a JSON Schema object contract defines. */
export function contractFields(schema: {
  properties?: Record<string, SchemaNode>;
  required?: string[];
}): ReadonlyMap<string, ContractField> {
  const required = new Set(schema.required ?? []);
  return new Map(
    Object.entries(schema.properties ?? {}).map(([name, node]) => [
      name,
      { ...describe(node), required: required.has(name) },
    ]),
  );
}

/** True when the field holds numbers only. */
export function isNumeric(field: ContractField): boolean {
  return field.types.size > 0 && [...field.types].every((t) => t === "number" || t === "integer");
}

/** True when the field holds strings, numbers or booleans only: values a label can spell. */
export function isScalar(field: ContractField): boolean {
  return (
    field.types.size > 0 &&
    [...field.types].every((t) => ["string", "number", "integer", "boolean"].includes(t))
  );
}
