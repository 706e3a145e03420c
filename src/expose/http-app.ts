import { Hono } from "hono";
import { healthzHandler, type ReadinessCheck, readyzHandler } from "./health-routes.js";
import { landingPageHandler } from "./landing-page.js";
import type { MetricsRenderer } from "./metrics-exposition.js";
import { metricsHandler } from "./metrics-route.js";

/** What the HTTP surface reads from the rest of the service. */
export interface HttpAppParts {
  readonly render: MetricsRenderer;
  readonly readiness: readonly ReadinessCheck[];
}

/** The Hono app: `/metrics`, `/healthz`, `/readyz` and `/`. */
export function createHttpApp({ render, readiness }: HttpAppParts): Hono {
  const app = new Hono();
  app.get("/metrics", metricsHandler(render));
  app.get("/healthz", healthzHandler());
  app.get("/readyz", readyzHandler(readiness));
  app.get("/", landingPageHandler());
  return app;
}
