import type { ReadinessCheck } from "../expose/http/health-routes.js";
import { type ComponentStatus, notReady, ready } from "../util/component-status.js";

/** Ready when every check is; else the first reason. */
export function overallStatus(checks: readonly ReadinessCheck[]): ComponentStatus {
  const failing = checks.map((check) => ({ name: check.name, ...check.status() })).find((s) => !s.ready);
  return failing ? notReady(`${failing.name}: ${failing.detail}`) : ready("ready");
}
