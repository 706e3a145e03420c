import { compileStreamModel, type StreamModel } from "../aggregate/stream-model.js";
import type { StreamContract } from "../decode/stream-contract.js";
import type { Catalogue, ResolvedStream } from "./load-catalogue.js";

/** A checked catalogue as the data path runs it. */
export interface CompiledCatalogue {
  /** How each stream's events update its metrics (aggregate/). */
  readonly models: ReadonlyMap<string, StreamModel>;
  /** How each stream's records are validated and read (decode/). */
  readonly contracts: readonly StreamContract[];
  /** The stream of each input topic. */
  readonly streams: ReadonlyMap<string, string>;
}

/** The fields of a stream that become label values or exemplar ids, each once, in catalogue order. */
function labelFields(stream: ResolvedStream): string[] {
  const fields = new Set<string>();
  for (const metric of stream.metrics) {
    for (const label of metric.labels) fields.add(label);
    if (metric.exemplar !== undefined) fields.add(metric.exemplar);
  }
  return [...fields];
}

/** Compiles every stream once, at start: one decoder contract and one aggregation model each. */
export function compileCatalogue(catalogue: Catalogue): CompiledCatalogue {
  const models = new Map<string, StreamModel>();
  const contracts: StreamContract[] = [];
  const streams = new Map<string, string>();
  for (const stream of catalogue.streams) {
    const fields = labelFields(stream);
    models.set(stream.name, compileStreamModel(stream.name, fields, stream.metrics));
    contracts.push({
      stream: stream.name,
      jsonSchema: stream.jsonSchema,
      timeField: stream.time,
      labelFields: fields,
    });
    streams.set(stream.topic, stream.name);
  }
  return { models, contracts, streams };
}
