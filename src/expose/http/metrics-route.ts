import type { Handler } from "hono";
import type { BodyBytes } from "../exposition/body-bytes.js";
import { CONTENT_TYPES, negotiateFormat } from "../exposition/exposition-format.js";
import type { MetricsRenderer } from "../exposition/metrics-exposition.js";

/** The body's runs as a stream, one run (some 150 KiB at most) at a time. */
function runsStream(runs: readonly Buffer[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      while (next < runs.length && runs[next]?.length === 0) next++;
      const run = runs[next++];
      if (run === undefined) controller.close();
      else controller.enqueue(run);
    },
  });
}

/** Whether an `Accept-Encoding` value takes gzip (`gzip` or `*`, with a q-value above 0). */
export function acceptsGzip(header: string | undefined): boolean {
  for (const part of (header ?? "").split(",")) {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding?.trim() !== "gzip" && coding?.trim() !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * `GET /metrics`: the format the scraper's `Accept` asks for, gzip when its
 * `Accept-Encoding` takes it. Bytes are made, and compressed, run by run and
 * kept with the run: a scrape makes only what changed since the last one.
 */
export function metricsHandler(render: MetricsRenderer, bytes: BodyBytes): Handler {
  return async (c) => {
    const format = negotiateFormat(c.req.header("accept"));
    const runs = await render(format);
    const headers: Record<string, string> = {
      "content-type": CONTENT_TYPES[format],
      vary: "accept, accept-encoding",
    };
    if (acceptsGzip(c.req.header("accept-encoding"))) {
      const body = Buffer.concat(await bytes.gzip(runs));
      headers["content-encoding"] = "gzip";
      return c.body(
        new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength),
        200,
        headers,
      );
    }
    return c.body(runsStream(await bytes.plain(runs)), 200, headers);
  };
}
