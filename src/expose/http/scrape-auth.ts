import type { MiddlewareHandler } from "hono";
import { basicAuth } from "hono/basic-auth";
import { bearerAuth } from "hono/bearer-auth";

/** Credentials a scraper must present: a bearer token or a basic-auth pair (Prometheus supports both). */
export type ScrapeCredentials =
  | { readonly kind: "bearer"; readonly token: string }
  | { readonly kind: "basic"; readonly username: string; readonly password: string };

const REALM = "metrics-aggregator";

/**
 * Requires the configured credentials. Hono's middlewares compare them in
 * constant time (SHA-256 of both sides, then a length-independent compare),
 * so a wrong guess takes as long as a nearly right one.
 */
export function scrapeAuth(credentials: ScrapeCredentials): MiddlewareHandler {
  return credentials.kind === "bearer"
    ? bearerAuth({ token: credentials.token, realm: REALM })
    : basicAuth({ username: credentials.username, password: credentials.password, realm: REALM });
}
