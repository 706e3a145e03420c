import { Hono } from "hono";
import { BodyBytes } from "../exposition/body-bytes.js";
import type { MetricsRenderer } from "../exposition/metrics-exposition.js";
import { statusPage } from "../status/status-page.js";
import type { StatusSnapshot } from "../status/status-snapshot.js";
import { bcryptUsersAuth } from "./bcrypt-users.js";
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
  /** The same, as a web configuration file's users: name → bcrypt hash. */
  readonly users?: ReadonlyMap<string, string> | undefined;
  /** Response headers every answer carries (a web configuration file's). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * The Hono app: `/metrics`, `/healthz`, `/readyz`, the status page `/`
 * (with `/status.js`) and its data `/api/status`. Probes stay unauthenticated (kubelets and load
 * balancers rarely send credentials, and they reveal no event data).
 */
export function createHttpApp({
  render,
  readiness,
  status,
  credentials,
  users,
  headers,
}: HttpAppParts): Hono {
  const app = new Hono();
  if (headers && Object.keys(headers).length > 0) {
    app.use("*", async (c, next) => {
      await next();
      for (const [name, value] of Object.entries(headers)) c.header(name, value);
    });
  }
  const auth = credentials
    ? scrapeAuth(credentials)
    : users && users.size > 0
      ? bcryptUsersAuth(users)
      : undefined;
  if (auth) for (const path of ["/metrics", "/", "/status.js", "/api/status"]) app.use(path, auth);
  app.get("/metrics", metricsHandler(render, new BodyBytes()));
  app.get("/healthz", healthzHandler());
  app.get("/readyz", readyzHandler(readiness));
  app.get("/api/status", async (c) => c.json(await status()));
  const page = statusPage();
  app.get("/", page.page);
  app.get("/status.js", page.script);
  return app;
}
