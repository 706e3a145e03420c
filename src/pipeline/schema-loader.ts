import type { Unavailable } from "../util/backoff.js";

/**
 * Loads a schema the decoder found missing. Resolves `undefined` once the
 * schema is loaded or known not to exist (the message can be decoded or
 * rejected now), or says when to try again. The registry adapter implements it.
 */
export interface SchemaLoader {
  load(schemaId: number): Promise<Unavailable | undefined>;
}
