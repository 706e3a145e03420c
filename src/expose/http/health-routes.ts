import type { Handler } from "hono";
import type { ComponentStatus } from "../../util/component-status.js";

/** A readiness check: whether a part the service needs is working, and why not. */
export interface ReadinessCheck {
  readonly name: string;
  status(): ComponentStatus;
}

/** `GET /healthz`: the process is alive and its event loop answers. */
export function healthzHandler(): Handler {
  return (c) => c.json({ status: "ok" });
}

/** `GET /readyz`: 200 only while every check is ready, else 503 with each check's detail. */
export function readyzHandler(checks: readonly ReadinessCheck[]): Handler {
  return (c) => {
    const results = checks.map((check) => ({ name: check.name, ...check.status() }));
    const ready = results.every((result) => result.ready);
    return c.json({ status: ready ? "ready" : "not ready", checks: results }, ready ? 200 : 503);
  };
}
