/**
 * The structure of a catalogue file, as a JSON Schema: ajv checks it before
 * anything reads the catalogue, so every later step can trust the shapes.
 */
const name = { type: "string", pattern: "^[a-zA-Z_:][a-zA-Z0-9_:]*$" };
const field = { type: "string", minLength: 1 };
const text = { type: "string", minLength: 1 };

export const CATALOGUE_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["version"],
  properties: {
    version: { const: 1 },
    include_builtin: { type: "boolean" },
    streams: {
      type: "object",
      propertyNames: { pattern: "^[a-z][a-z0-9_-]*$" },
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: {
          topic: { type: "string", pattern: "^[a-zA-Z0-9._-]{1,249}$" },
          contract: {
            type: "object",
            additionalProperties: false,
            required: ["json-schema"],
            properties: { "json-schema": text, avro: text },
          },
          time: field,
          metrics: {
            type: "array",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["name", "type", "help"],
              properties: {
                name,
                type: { enum: ["counter", "histogram", "gauge", "ratio"] },
                help: text,
                unit: { type: "string", pattern: "^[a-z_]+$" },
                labels: { type: "array", items: field },
                value: field,
                values: {
                  type: "object",
                  additionalProperties: false,
                  required: ["label", "fields"],
                  properties: {
                    label: field,
                    fields: { type: "object", minProperties: 1, additionalProperties: field },
                  },
                },
                buckets: {
                  anyOf: [
                    { type: "string", minLength: 1 },
                    { type: "array", minItems: 1, items: { type: "number" } },
                  ],
                },
                native: {
                  anyOf: [
                    { const: true },
                    {
                      type: "object",
                      additionalProperties: false,
                      properties: {
                        bucket_factor: { type: "number" },
                        schema: { type: "integer" },
                        zero_threshold: { type: "number" },
                        max_buckets: { type: "integer" },
                      },
                    },
                  ],
                },
                aggregate: { enum: ["max", "last"] },
                success: {
                  type: "object",
                  additionalProperties: false,
                  required: ["field", "equals"],
                  properties: { field, equals: { type: ["string", "number", "boolean"] } },
                },
                window: text,
                exemplar: field,
                ttl: text,
              },
            },
          },
        },
      },
    },
    status: {
      type: "object",
      additionalProperties: false,
      properties: {
        entities: {
          type: "object",
          additionalProperties: false,
          required: ["title", "label", "count"],
          properties: { title: text, label: field, count: name, last_seen: name },
        },
        latency: {
          type: "object",
          additionalProperties: false,
          required: ["title", "metric", "by"],
          properties: { title: text, metric: name, by: field },
        },
        success: {
          type: "object",
          additionalProperties: false,
          required: ["title", "metric", "by", "label", "ok"],
          properties: { title: text, metric: name, by: field, label: field, ok: text },
        },
        errors: {
          type: "object",
          additionalProperties: false,
          required: ["title", "metric", "label", "ok"],
          properties: { title: text, metric: name, label: field, ok: text },
        },
      },
    },
  },
} as const;
