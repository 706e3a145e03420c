import { z } from "zod";

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `250ms`, `30s`, `5m`, `1h`, or a bare number of seconds, to milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * (UNIT_MS[match[2] ?? "s"] as number);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A comma-separated list, trimmed, without empty items. */
export function parseList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** Histogram upper bounds: positive, finite, strictly ascending; `undefined` otherwise. */
export function parseBuckets(text: string): number[] | undefined {
  const items = parseList(text);
  if (items.length === 0) return undefined;
  const bounds = items.map(Number);
  const valid = bounds.every(
    (b, i) => Number.isFinite(b) && b > 0 && (i === 0 || b > (bounds[i - 1] as number)),
  );
  return valid ? bounds : undefined;
}

const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  "1": true,
  "0": false,
  yes: true,
  no: false,
};

/** zod types that read a setting's text and check its form. */
export const settingText = {
  nonEmpty: z.string().trim().min(1),
  topic: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/),
  brokers: z
    .string()
    .transform(parseList)
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/)).min(1)),
  boolean: z
    .string()
    .transform((text) => BOOLEANS[text.trim().toLowerCase()])
    .pipe(z.boolean()),
  port: z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(0).max(65_535)),
  positiveInt: z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().positive()),
  durationMs: z.string().transform(parseDurationMs).pipe(z.number().positive()),
  /** A duration, or 0 / `off` for none. */
  optionalDurationMs: z
    .string()
    .transform((text) => (/^(0|off)$/i.test(text.trim()) ? 0 : parseDurationMs(text)))
    .pipe(z.number().min(0)),
  buckets: z.string().transform(parseBuckets).pipe(z.array(z.number())),
  ratio: z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .transform(Number)
    .pipe(z.number().min(0).max(1)),
  encoding: z.enum(["json", "avro", "json-schema"]),
  saslMechanism: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(["", "plain", "scram-sha-256", "scram-sha-512"]))
    .transform((text) => (text === "" ? undefined : text)),
  /** A basic-auth user name (no ':'), or empty for none. */
  optionalUsername: z
    .string()
    .regex(/^[^:]*$/)
    .transform((text) => (text.trim() === "" ? undefined : text)),
  /** Empty for none. */
  optionalText: z.string().transform((text) => (text.trim() === "" ? undefined : text)),
  /** A topic name in which `{topic}` stands for a source topic, or empty for none. */
  optionalTopicTemplate: z
    .string()
    .trim()
    .regex(/^([a-zA-Z0-9._-]|\{topic\}){0,249}$/)
    .transform((text) => (text === "" ? undefined : text)),
  /** An http(s) URL. */
  url: z
    .string()
    .trim()
    .regex(/^https?:\/\/[^\s/]+/)
    .transform((text) => text.replace(/\/+$/, "")),
  /** An http(s) URL, or empty for none. */
  optionalUrl: z
    .string()
    .trim()
    .refine((text) => text === "" || /^https?:\/\/[^\s/]+/.test(text))
    .transform((text) => (text === "" ? undefined : text.replace(/\/+$/, ""))),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
  stateMode: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(["durable", "memory"])),
  /** A topic name in which `{group}` and `{topic}` stand for the group id and an input topic. */
  changelogTemplate: z
    .string()
    .trim()
    .regex(/^([a-zA-Z0-9._-]|\{topic\}|\{group\}){1,249}$/)
    .refine((text) => text.includes("{topic}")),
  /** A positive integer, or empty for the broker's default. */
  optionalPositiveInt: z
    .string()
    .trim()
    .regex(/^\d*$/)
    .transform((text) => (text === "" ? undefined : Number(text)))
    .pipe(z.number().int().positive().optional()),
};
