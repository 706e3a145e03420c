import { Counter, Gauge, type Registry } from "prom-client";
import type { RegistryTelemetry } from "../registry/registry-schemas.js";

const OUTCOMES = ["loaded", "not_found", "error"] as const;

/** Metrics of the schema registry client; registered only when a registry is configured. */
export class RegistryMetrics implements RegistryTelemetry {
  private readonly requests: Counter<"outcome">;
  private readonly up: Gauge;
  private readonly missing: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: "aggregator_schema_registry_requests_total",
      help: "Schema lookups sent to the registry (cache misses only), per outcome.",
      labelNames: ["outcome"],
      registers,
    });
    this.up = new Gauge({
      name: "aggregator_schema_registry_up",
      help: "0 while the schema registry does not answer (partitions needing a new schema are paused), else 1.",
      registers,
    });
    this.missing = new Gauge({
      name: "aggregator_schema_registry_missing_ids",
      help: "Schema ids the registry said do not exist, remembered so their records are rejected without a request (bounded: the oldest is forgotten first).",
      registers,
    });
    for (const outcome of OUTCOMES) this.requests.inc({ outcome }, 0);
    this.missing.set(0);
  }

  recordRegistryRequest(outcome: (typeof OUTCOMES)[number]): void {
    this.requests.inc({ outcome });
  }

  recordMissingIds(count: number): void {
    this.missing.set(count);
  }

  recordRegistryUp(up: boolean): void {
    this.up.set(up ? 1 : 0);
  }
}
