import type { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import type { SchemaEntry, SchemaFormat, SchemaLookup, WriterSchema } from "../decode/schema-lookup.js";
import type { Backoff, Unavailable } from "../util/backoff.js";
import { type ComponentStatus, notReady, ready } from "../util/component-status.js";
import { registryErrorStatus } from "./registry-client.js";

/** What the registry adapter reports; `SelfMetrics` implements it. */
export interface RegistryTelemetry {
  recordRegistryRequest(outcome: "loaded" | "not_found" | "error"): void;
  recordRegistryUp(up: boolean): void;
  /** How many ids are remembered as missing. */
  recordMissingIds(count: number): void;
}

/**
 * A 404 is remembered this long before the id is asked for again, doubling
 * with each further 404 of the same id up to an hour: an id that never
 * comes costs a request an hour, however many records carry it.
 */
const MISSING_TTL_MS = 60_000;
const MISSING_TTL_MAX_MS = 3_600_000;

/**
 * Ids known not to exist, remembered at most: any payload starting with byte
 * 0 names an id, so a producer sending garbage must not grow this without
 * bound. Beyond it the id remembered longest ago is forgotten (and, if it
 * comes again, asked for once more).
 */
export const MISSING_IDS_KEPT = 10_000;

interface Missing {
  readonly detail: string;
  readonly untilMs: number;
  /** 404s of this id in a row. */
  readonly misses: number;
}

/**
 * The schema cache between the decoder and a Confluent-compatible registry.
 * Ids are immutable, so a loaded schema is kept for the life of the process
 * and steady-state decoding makes no request. An unreachable registry (or
 * any answer but 200 and 404) is an outage: nothing is rejected, the caller
 * holds its partition and retries with growing backoff.
 */
export class RegistrySchemas implements SchemaLookup {
  private readonly schemas = new Map<number, WriterSchema>();
  private readonly missing = new Map<number, Missing>();
  private outage: string | undefined;

  constructor(
    private readonly client: SchemaRegistry,
    private readonly backoff: Backoff,
    private readonly telemetry: RegistryTelemetry,
    private readonly now: () => number = Date.now,
  ) {
    telemetry.recordRegistryUp(true);
  }

  entry(schemaId: number): SchemaEntry {
    const schema = this.schemas.get(schemaId);
    if (schema) return { state: "ready", schema };
    const missing = this.missing.get(schemaId);
    if (missing && missing.untilMs > this.now()) return { state: "missing", detail: missing.detail };
    return { state: "unknown" };
  }

  async load(schemaId: number): Promise<Unavailable | undefined> {
    try {
      const schema = await this.client.getSchema(schemaId);
      const format = (this.client.cache.getSchema(schemaId)?.type ?? "AVRO") as SchemaFormat;
      this.schemas.set(schemaId, { format, decode: (body) => schema.fromBuffer(body) });
      this.recordAnswer("loaded");
      return undefined;
    } catch (error) {
      const status = registryErrorStatus(error);
      if (status === 404) {
        this.rememberMissing(schemaId);
        this.recordAnswer("not_found");
        return undefined;
      }
      return this.recordOutage(error as Error, status);
    }
  }

  /** Ids remembered as missing now (at most {@link MISSING_IDS_KEPT}). */
  get missingIds(): number {
    return this.missing.size;
  }

  private rememberMissing(schemaId: number): void {
    const misses = (this.missing.get(schemaId)?.misses ?? 0) + 1;
    // Re-inserted, so the map's order is the order in which ids were last found missing.
    this.missing.delete(schemaId);
    this.missing.set(schemaId, {
      detail: `schema id ${schemaId} is not in the registry`,
      untilMs: this.now() + Math.min(MISSING_TTL_MS * 2 ** (misses - 1), MISSING_TTL_MAX_MS),
      misses,
    });
    if (this.missing.size > MISSING_IDS_KEPT) this.missing.delete(this.missing.keys().next().value as number);
    this.telemetry.recordMissingIds(this.missing.size);
  }

  /** Ready while the registry answers; during an outage, why not. */
  currentStatus(): ComponentStatus {
    return this.outage === undefined ? ready(`${this.schemas.size} schemas cached`) : notReady(this.outage);
  }

  private recordAnswer(outcome: "loaded" | "not_found"): void {
    this.telemetry.recordRegistryRequest(outcome);
    if (this.outage !== undefined) this.telemetry.recordRegistryUp(true);
    this.backoff.reset();
    this.outage = undefined;
  }

  private recordOutage(error: Error, status: number | undefined): Unavailable {
    this.telemetry.recordRegistryRequest("error");
    this.telemetry.recordRegistryUp(false);
    const retryAfterMs = this.backoff.fail();
    // mappersmith reports a refused or reset connection as status 400 with the socket error as message
    const detail = `schema registry unavailable${status !== undefined && status !== 400 ? ` (HTTP ${status})` : ""}: ${error.message}`;
    this.outage = detail;
    return { retryAfterMs, detail };
  }
}
