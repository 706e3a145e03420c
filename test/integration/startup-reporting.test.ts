import { describe, expect, it } from "vitest";
import { spawnService } from "../support/service-process.js";
import { waitFor } from "../support/wait-for.js";

interface Readiness {
  readonly status: string;
  readonly checks: readonly { name: string; ready: boolean; detail: string }[];
}

describe("what the service says while it starts", () => {
  it("names a broker that cannot be resolved on /readyz within 10 s, logs it once per retry without stack traces, and stops on SIGTERM with exit code 0", async () => {
    const startedAt = Date.now();
    const service = spawnService({
      KAFKA_BROKERS: "nohost.invalid:9092",
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
    });
    const url = await service.baseUrl();
    const kafka = await waitFor("/readyz to name the broker", async () => {
      const readiness = (await (await fetch(`${url}/readyz`)).json()) as Readiness;
      const check = readiness.checks.find((c) => c.name === "kafka");
      return check?.detail.startsWith("cannot reach") ? { readiness, check } : undefined;
    });
    const namedMs = Date.now() - startedAt;
    expect(namedMs).toBeLessThan(10_000);
    expect(kafka.readiness.status).toBe("not ready");
    expect(kafka.check).toEqual({
      name: "kafka",
      ready: false,
      detail:
        "cannot reach the brokers nohost.invalid:9092: Connection error: getaddrinfo ENOTFOUND nohost.invalid",
    });
    // A few retries' worth of logs.
    await waitFor("three attempts", () =>
      service.logs.filter((l) => l.event === "kafka_unreachable").length >= 3 ? true : undefined,
    );

    const stoppingAt = Date.now();
    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    const stopMs = Date.now() - stoppingAt;
    expect(stopMs).toBeLessThan(15_000);

    expect(service.logs.filter((l) => "stack" in l)).toEqual([]);
    // kafkajs repeats its connection errors at every retry: one line per message per 30 s, with a count.
    const kafkajsLines = service.logs.filter((l) => l.kafkajs !== undefined);
    const perMessage = new Map<string, number>();
    for (const line of kafkajsLines)
      perMessage.set(String(line.msg), (perMessage.get(String(line.msg)) ?? 0) + 1);
    expect(
      [...perMessage.values()].every((count) => count === 1),
      JSON.stringify([...perMessage]),
    ).toBe(true);
    expect(service.stderr()).toBe("");
    console.log(
      `[startup] unresolvable broker named on /readyz after ${namedMs} ms; ${kafkajsLines.length} kafkajs lines (${perMessage.size} distinct) in ${((stoppingAt - startedAt) / 1000).toFixed(1)} s; SIGTERM to exit ${stopMs} ms`,
    );
  });
});
