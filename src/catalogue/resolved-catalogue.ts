import type { MetricDefinition } from "../aggregate/metric-definition.js";
import type { StatusSpec } from "./catalogue-types.js";

/** Settings that fill in the catalogue: topics of the built-in streams, bucket and window presets. */
export interface CatalogueSettings {
  /** METRICS_CONFIG: a catalogue of the user's, added to the shipped one (or replacing it). */
  readonly file: string | undefined;
  /** The setting `file` came from (`METRICS_CONFIG (--metrics-config)`), named when it cannot be read. */
  readonly fileSetting?: string | undefined;
  /** Topic per built-in stream, from DETECTION_TOPIC and LLM_TOPIC. */
  readonly builtinTopics: Readonly<Record<string, string>>;
  /** The setting each built-in stream's topic comes from (`LLM_TOPIC (--llm-topic)`), named when it clashes. */
  readonly builtinTopicSettings?: Readonly<Record<string, string>>;
  /** Named bucket lists, from DETECTION_LATENCY_BUCKETS and LLM_LATENCY_BUCKETS. */
  readonly bucketPresets: Readonly<Record<string, readonly number[]>>;
  /** Named windows, from SUCCESS_RATE_WINDOW. */
  readonly windowPresets: Readonly<Record<string, number>>;
}

/** A metric ready to compile: every reference checked against its stream's contract. */
export interface ResolvedMetric extends MetricDefinition {
  /** The unit the name ends with (documentation). */
  readonly unit: string | undefined;
  /** The preset the buckets or the window came from, if one was named (documentation). */
  readonly preset: string | undefined;
}

export interface ResolvedStream {
  readonly name: string;
  readonly topic: string;
  /** The JSON Schema every event of the stream is validated against. */
  readonly jsonSchema: object;
  readonly jsonSchemaFile: string;
  readonly avroFile: string | undefined;
  readonly time: string;
  readonly metrics: readonly ResolvedMetric[];
}

/** The catalogue the service runs with: the shipped streams and the user's, checked. */
export interface Catalogue {
  readonly streams: readonly ResolvedStream[];
  readonly status: StatusSpec | undefined;
  /** The files it was read from, for logs. */
  readonly files: readonly string[];
}

/** A part of a catalogue file and where it is, for problems. */
export interface Located<T> {
  readonly value: T;
  readonly file: string;
  readonly path: (string | number)[];
}
