import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createHttpApp } from "../../src/expose/http-app.js";

function app(ready: boolean) {
  return createHttpApp({
    render: async (format) => (format === "openmetrics" ? "up_total 1\n# EOF\n" : "up_total 1\n"),
    readiness: [
      { name: "kafka", status: () => ({ ready, detail: ready ? "member of group g" : "connecting" }) },
    ],
    status: async () => ({
      generatedAtMs: 1,
      ready,
      readyDetail: "d",
      events: { consumed: 3, invalid: 1, skipped: 0 },
      cameras: [],
      models: [],
      apiKeys: [],
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
    expect(await (await app(true).request("/api/status")).json()).toMatchObject({
      events: { consumed: 3, invalid: 1 },
    });
  });
});
