import { Hono } from "hono";
import { healthzHandler, type ReadinessCheck, readyzHandler } from "./health-routes.js";
import type { MetricsRenderer } from "./metrics-exposition.js";
import { metricsHandler } from "./metrics-route.js";
import { statusPageHandler } from "./status-page.js";
import type { StatusSnapshot } from "./status-snapshot.js";

/** What the HTTP surface reads from the rest of the service. */
export interface HttpAppParts {
  readonly render: MetricsRenderer;
  readonly readiness: readonly ReadinessCheck[];
  readonly status: () => Promise<StatusSnapshot>;
}

/** The Hono app: `/metrics`, `/healthz`, `/readyz`, the status page `/` and its data `/api/status`. */
export function createHttpApp({ render, readiness, status }: HttpAppParts): Hono {
  const app = new Hono();
  app.get("/metrics", metricsHandler(render));
  app.get("/healthz", healthzHandler());
  app.get("/readyz", readyzHandler(readiness));
  app.get("/api/status", async (c) => c.json(await status()));
  app.get("/", statusPageHandler());
  return app;
}
