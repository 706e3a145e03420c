import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createHttpApp } from "../../src/expose/http/http-app.js";
import type { ScrapeCredentials } from "../../src/expose/http/scrape-auth.js";

function app(ready: boolean, credentials?: ScrapeCredentials) {
  return createHttpApp({
    credentials,
    render: async (format) =>
      (format === "openmetrics" ? [["up_total 1\n"], ["# EOF\n"]] : [["up_total 1\n"]]).map((run) =>
        run.map((text) => ({ texts: [text] })),
      ),
    readiness: [
      { name: "kafka", status: () => ({ ready, detail: ready ? "member of group g" : "connecting" }) },
    ],
    status: async () => ({
      generatedAtMs: 1,
      ready,
      readyDetail: "d",
      events: { consumed: 3, committed: 3, counted: 2, invalid: 1, skipped: 0 },
      live: {
        windowSeconds: 0,
        eventsPerSecond: {},
        entitiesPerSecond: {},
        p95Seconds: {},
        errorRatio: null,
      },
      invalid: [],
      lag: [],
    }),
  });
}

describe("HTTP app", () => {
  it("serves the text format by default", async () => {
    const response = await app(true).request("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await response.text()).toBe("up_total 1\n");
  });

  it("serves OpenMetrics when asked, gzipped when accepted", async () => {
    const response = await app(true).request("/metrics", {
      headers: { accept: "application/openmetrics-text; version=1.0.0", "accept-encoding": "gzip, deflate" },
    });
    expect(response.headers.get("content-type")).toBe(
      "application/openmetrics-text; version=1.0.0; charset=utf-8",
    );
    expect(response.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(Buffer.from(await response.arrayBuffer())).toString()).toBe("up_total 1\n# EOF\n");
  });

  it.each([
    ["gzip", true],
    ["deflate, gzip;q=0.5", true],
    ["*", true],
    ["gzip;q=0", false],
    ["identity", false],
    ["", false],
  ])("takes Accept-Encoding %j as %s for gzip", async (acceptEncoding, gzip) => {
    const response = await app(true).request("/metrics", { headers: { "accept-encoding": acceptEncoding } });
    expect(response.headers.get("content-encoding")).toBe(gzip ? "gzip" : null);
    const body = Buffer.from(await response.arrayBuffer());
    expect((gzip ? gunzipSync(body) : body).toString()).toBe("up_total 1\n");
  });

  it("answers /healthz while not ready, and /readyz 503 with the reason", async () => {
    const notReady = app(false);
    expect((await notReady.request("/healthz")).status).toBe(200);
    const readyz = await notReady.request("/readyz");
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toEqual({
      status: "not ready",
      checks: [{ name: "kafka", ready: false, detail: "connecting" }],
    });
    expect((await app(true).request("/readyz")).status).toBe(200);
  });

  it("links the endpoints from the status page and serves its data", async () => {
    const html = await (await app(true).request("/")).text();
    for (const path of ["metrics", "healthz", "readyz"]) expect(html).toContain(`href="${path}"`);
    // Its script, beside it (relative: the page may be served under a path prefix), as JavaScript.
    expect(html).toContain('<script type="module" src="status.js"></script>');
    const script = await app(true).request("/status.js");
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await script.text()).toContain('fetch("api/status"');
    expect(await (await app(true).request("/api/status")).json()).toMatchObject({
      events: { consumed: 3, invalid: 1 },
    });
  });

  it("requires the bearer token on /metrics, the status page and /api/status when one is set, and leaves the probes open", async () => {
    const secured = app(true, { kind: "bearer", token: "s3cret-token" });
    for (const path of ["/metrics", "/", "/status.js", "/api/status"]) {
      expect((await secured.request(path)).status).toBe(401);
      const wrong = await secured.request(path, { headers: { authorization: "Bearer s3cret-tokeN" } });
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).not.toContain("s3cret");
      expect(
        (await secured.request(path, { headers: { authorization: "Bearer s3cret-token" } })).status,
      ).toBe(200);
    }
    expect((await secured.request("/healthz")).status).toBe(200);
    expect((await secured.request("/readyz")).status).toBe(200);
    expect((await secured.request("/metrics")).headers.get("www-authenticate")).toBe(
      'Bearer realm="metrics-aggregator"',
    );
  });

  it("requires basic auth when a user and password are set", async () => {
    const secured = app(true, { kind: "basic", username: "prometheus", password: "pa:ss" });
    const basic = (user: string, password: string) => ({
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` },
    });
    expect((await secured.request("/metrics")).status).toBe(401);
    expect((await secured.request("/metrics", basic("prometheus", "pa:sS"))).status).toBe(401);
    expect((await secured.request("/metrics", basic("Prometheus", "pa:ss"))).status).toBe(401);
    expect((await secured.request("/metrics", basic("prometheus", "pa:ss"))).status).toBe(200);
  });
});
