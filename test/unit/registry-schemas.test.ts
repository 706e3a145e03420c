import type { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import { describe, expect, it } from "vitest";
import { MISSING_IDS_KEPT, RegistrySchemas } from "../../src/registry/registry-schemas.js";
import { Backoff } from "../../src/util/backoff.js";

/** A registry client that answers from a script: a schema, or an error with an HTTP status. */
function scriptedClient(answers: (id: number) => { status: number; message: string } | "AVRO" | "JSON") {
  return {
    async getSchema(id: number) {
      const answer = answers(id);
      if (typeof answer === "object")
        throw Object.assign(new Error(answer.message), { status: answer.status });
      return { fromBuffer: (body: Buffer) => ({ decodedBy: id, bytes: body.length }) };
    },
    cache: {
      getSchema: (id: number) => {
        const answer = answers(id);
        return typeof answer === "string" ? { type: answer } : undefined;
      },
    },
  } as unknown as SchemaRegistry;
}

function recorder() {
  const events: string[] = [];
  const missing = { count: 0 };
  return {
    events,
    missing,
    recordRegistryRequest: (outcome: string) => events.push(outcome),
    recordRegistryUp: (up: boolean) => events.push(up ? "up" : "down"),
    recordMissingIds: (count: number) => {
      missing.count = count;
    },
  };
}

describe("RegistrySchemas", () => {
  it("keeps a loaded schema, with its format, for every later message", async () => {
    const telemetry = recorder();
    const schemas = new RegistrySchemas(
      scriptedClient(() => "JSON"),
      new Backoff(100, 1_000),
      telemetry,
    );
    expect(schemas.entry(3)).toEqual({ state: "unknown" });
    expect(await schemas.load(3)).toBeUndefined();
    const entry = schemas.entry(3);
    expect(entry.state === "ready" && entry.schema.format).toBe("JSON");
    expect(entry.state === "ready" && entry.schema.decode(Buffer.from("abc"))).toEqual({
      decodedBy: 3,
      bytes: 3,
    });
    expect(telemetry.events).toEqual(["up", "loaded"]);
  });

  it("remembers a 404 for a minute, then asks again", async () => {
    let now = 0;
    const schemas = new RegistrySchemas(
      scriptedClient(() => ({ status: 404, message: "Schema 9 not found" })),
      new Backoff(100, 1_000),
      recorder(),
      () => now,
    );
    expect(await schemas.load(9)).toBeUndefined();
    expect(schemas.entry(9)).toEqual({ state: "missing", detail: "schema id 9 is not in the registry" });
    now = 60_001;
    expect(schemas.entry(9)).toEqual({ state: "unknown" });
    expect(schemas.currentStatus().ready).toBe(true);
  });

  it("waits longer each time an id is missing again, up to an hour", async () => {
    let now = 0;
    let requests = 0;
    const schemas = new RegistrySchemas(
      scriptedClient(() => {
        requests++;
        return { status: 404, message: "not found" };
      }),
      new Backoff(100, 1_000),
      recorder(),
      () => now,
    );
    const forgottenAfter: number[] = [];
    for (let miss = 0; miss < 9; miss++) {
      await schemas.load(9);
      const since = now;
      while (schemas.entry(9).state === "missing") now += 1_000;
      forgottenAfter.push(now - since);
    }
    expect(forgottenAfter).toEqual([
      60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
    expect(requests).toBe(9);
  });

  it("remembers a bounded number of missing ids, forgetting the one found missing longest ago", async () => {
    const telemetry = recorder();
    const schemas = new RegistrySchemas(
      scriptedClient(() => ({ status: 404, message: "not found" })),
      new Backoff(100, 1_000),
      telemetry,
      () => 0,
    );
    for (let id = 1; id <= MISSING_IDS_KEPT + 500; id++) await schemas.load(id);
    expect(schemas.missingIds).toBe(MISSING_IDS_KEPT);
    expect(telemetry.missing.count).toBe(MISSING_IDS_KEPT);
    expect(schemas.entry(500).state).toBe("unknown");
    expect(schemas.entry(501).state).toBe("missing");
    expect(schemas.entry(MISSING_IDS_KEPT + 500).state).toBe("missing");
  });

  it("treats anything but 200 and 404 as an outage, backs off exponentially to the cap, and recovers", async () => {
    let answer: { status: number; message: string } | "AVRO" = { status: 503, message: "unavailable" };
    const telemetry = recorder();
    const schemas = new RegistrySchemas(
      scriptedClient(() => answer),
      new Backoff(100, 500),
      telemetry,
    );
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const outcome = await schemas.load(1);
      if (outcome === undefined) throw new Error("an outage must not settle");
      delays.push(outcome.retryAfterMs);
    }
    expect(delays).toEqual([100, 200, 400, 500, 500]);
    expect(schemas.currentStatus()).toEqual({
      ready: false,
      detail: "schema registry unavailable (HTTP 503): unavailable",
    });
    expect(schemas.entry(1)).toEqual({ state: "unknown" });
    answer = { status: 400, message: "connect ECONNREFUSED 127.0.0.1:8081" };
    const refused = await schemas.load(1);
    expect(refused?.detail).toBe("schema registry unavailable: connect ECONNREFUSED 127.0.0.1:8081");
    answer = "AVRO";
    expect(await schemas.load(1)).toBeUndefined();
    expect(schemas.currentStatus()).toEqual({ ready: true, detail: "1 schemas cached" });
    const afterRecovery = new RegistrySchemas(
      scriptedClient(() => ({ status: 500, message: "x" })),
      new Backoff(100, 500),
      recorder(),
    );
    const first = await afterRecovery.load(2);
    expect(first?.retryAfterMs).toBe(100);
    expect(telemetry.events).toEqual(["up", ...Array(6).fill(["error", "down"]).flat(), "loaded", "up"]);
  });
});
