import { Hono } from "hono";
import { BodyBytes } from "../exposition/body-bytes.js";
import type { MetricsRenderer } from "../exposition/metrics-exposition.js";
import { statusPage } from "../status/status-page.js";
import type { StatusSnapshot } from "../status/status-snapshot.js";
import { healthzHandler, type ReadinessCheck, readyzHandler } from "./health-routes.js";
import { metricsHandler } from "./metrics-route.js";
import { type ScrapeCredentials, scrapeAuth } from "./scrape-auth.js";

/** What the HTTP surface reads from the rest of the service. */
export interface HttpAppParts {
  readonly render: MetricsRenderer;
  readonly readiness: readonly ReadinessCheck[];
  readonly status: () => Promise<StatusSnapshot>;
  /** When set, `/metrics`, the status page and `/api/status` require these; the probes stay open. */
  readonly credentials?: ScrapeCredentials | undefined;
}

/**
 * The Hono app: `/metrics`, `/healthz`, `/readyz`, the status page `/`
 * (with `/status.js`) and its data `/api/status`. Probes stay unauthenticated (kubelets and load
 * balancers rarely send credentials, and they reveal no event data).
 */
export function createHttpApp({ render, readiness, status, credentials }: HttpAppParts): Hono {
  const app = new Hono();
  if (credentials) {
    const auth = scrapeAuth(credentials);
    for (const path of ["/metrics", "/", "/status.js", "/api/status"]) app.use(path, auth);
  }
  app.get("/metrics", metricsHandler(render, new BodyBytes()));
  app.get("/healthz", healthzHandler());
  app.get("/readyz", readyzHandler(readiness));
  app.get("/api/status", async (c) => c.json(await status()));
  const page = statusPage();
  app.get("/", page.page);
  app.get("/status.js", page.script);
  return app;
}
