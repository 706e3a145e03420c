import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { Handler } from "hono";
import { CONTENT_TYPES, negotiateFormat } from "./exposition-format.js";
import type { MetricsRenderer } from "./metrics-exposition.js";

const gzipAsync = promisify(gzip);

/**
 * `GET /metrics`: the format the scraper's `Accept` asks for, gzip when its
 * `Accept-Encoding` allows. Level 1 on the thread pool: several times faster
 * than the default level for a few percent more bytes, and off the event loop.
 */
export function metricsHandler(render: MetricsRenderer): Handler {
  return async (c) => {
    const format = negotiateFormat(c.req.header("accept"));
    const body = await render(format);
    const headers: Record<string, string> = {
      "content-type": CONTENT_TYPES[format],
      vary: "accept, accept-encoding",
    };
    if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
      const compressed = await gzipAsync(body, { level: 1 });
      headers["content-encoding"] = "gzip";
      return c.body(
        new Uint8Array(compressed.buffer, compressed.byteOffset, compressed.byteLength),
        200,
        headers,
      );
    }
    return c.body(body, 200, headers);
  };
}
