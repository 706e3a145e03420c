import { readFileSync } from "node:fs";
import type { Registry } from "prom-client";
import type { EventFamilies } from "../aggregate/event-families.js";
import type { StatusSpec } from "../catalogue/catalogue-types.js";
import type { Config } from "../config/settings.js";
import { checkWebConfigAgainst, loadWebConfig, type WebConfig } from "../config/web-config.js";
import type { EventExposition } from "../expose/exposition/event-exposition.js";
import { createMetricsRenderer } from "../expose/exposition/metrics-exposition.js";
import type { ReadinessCheck } from "../expose/http/health-routes.js";
import { createHttpApp } from "../expose/http/http-app.js";
import { type HttpServer, startHttpServer } from "../expose/http/http-server.js";
import type { ScrapeCredentials } from "../expose/http/scrape-auth.js";
import { statusSnapshot } from "../expose/status/status-snapshot.js";
import { StatusTrend } from "../expose/status/status-trend.js";
import type { SelfMetrics } from "../self-metrics/self-metrics.js";
import type { Publishes } from "./publishes.js";
import { overallStatus } from "./readiness.js";
import { portProblem } from "./startup-errors.js";

/** What the HTTP surface shows. */
export interface HttpSurfaceParts {
  readonly config: Config;
  readonly status: StatusSpec | undefined;
  readonly families: EventFamilies;
  readonly exposition: EventExposition;
  readonly registry: Registry;
  readonly selfMetrics: SelfMetrics;
  readonly readiness: readonly ReadinessCheck[];
  readonly publishes: Publishes;
  /** The web configuration file, read and checked before the start; read here when not given. */
  readonly web?: WebConfig | undefined;
}

/** The listening server and the status page's trend, to stop in order. */
export interface HttpSurface {
  readonly server: HttpServer;
  stop(): Promise<void>;
}

/**
 * Serves `/metrics`, the probes and the status page; a port that cannot be
 * listened on is a user error (one line naming the setting, exit code 2).
 */
export async function serveHttp(parts: HttpSurfaceParts): Promise<HttpSurface> {
  const { config, status, families, selfMetrics, readiness } = parts;
  const trend = new StatusTrend(
    status,
    families,
    () => selfMetrics.statusCounts(),
    () => parts.publishes.count,
  );
  const web = parts.web ?? loadWebConfig(config.webConfigFile, (path) => readFileSync(path, "utf8"));
  checkWebConfigAgainst(config, web);
  const app = createHttpApp({
    credentials: scrapeCredentials(config),
    users: web?.users,
    headers: web?.headers,
    render: createMetricsRenderer(parts.exposition, parts.registry),
    readiness,
    status: async () =>
      statusSnapshot(
        status,
        families,
        await selfMetrics.statusCounts(),
        await trend.current(),
        overallStatus(readiness),
        Date.now(),
      ),
  });
  const server = await startHttpServer(app, config.httpHost, config.httpPort, web?.tls).catch((error) => {
    throw portProblem(error, config) ?? error;
  });
  trend.start();
  return {
    server,
    async stop() {
      await server.close();
      trend.stop();
    },
  };
}

/** The credentials scrapers must present, if any were configured. */
function scrapeCredentials(config: Config): ScrapeCredentials | undefined {
  if (config.metricsBearerToken !== undefined) return { kind: "bearer", token: config.metricsBearerToken };
  if (config.metricsUsername !== undefined && config.metricsPassword !== undefined) {
    return { kind: "basic", username: config.metricsUsername, password: config.metricsPassword };
  }
  return undefined;
}
