import { readFileSync } from "node:fs";
import type { Handler } from "hono";

/** Where the page's files are: `assets/status-page/`, the same two levels up from `src/` and `dist/`. */
const ASSETS = new URL("../../../assets/status-page/", import.meta.url);

/** The status page's two responses. */
export interface StatusPage {
  /** `GET /`: the page, linking `/metrics`, `/healthz` and `/readyz`. Holds no configuration or secrets. */
  readonly page: Handler;
  /** `GET /status.js`: its script. */
  readonly script: Handler;
}

/**
 * The live status page (`assets/status-page/`): plain HTML, CSS, inline SVG
 * and a script, no build and no asset from elsewhere (it may be served
 * air-gapped). The script polls `api/status` every 2 s; rates come from the
 * server (so the first poll has them) and the charts draw the page's own
 * polls of the last 15 minutes. Sections, titles and label names come from
 * the catalogue's `status` section. Read once, when the HTTP surface is made.
 */
export function statusPage(): StatusPage {
  const html = readFileSync(new URL("index.html", ASSETS), "utf8");
  const script = readFileSync(new URL("status.js", ASSETS), "utf8");
  return {
    page: (c) => c.html(html),
    script: (c) => c.body(script, 200, { "content-type": "text/javascript; charset=utf-8" }),
  };
}
