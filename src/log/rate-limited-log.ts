import type { Logger } from "pino";

/**
 * Logs at most one line per key per interval and says how many were
 * suppressed, so a flood of bad events cannot flood the logs.
 */
export class RateLimitedLog {
  private readonly lastAt = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    const at = this.now();
    const last = this.lastAt.get(key);
    if (last && at - last.at < this.intervalMs) {
      last.suppressed++;
      return;
    }
    this.lastAt.set(key, { at, suppressed: 0 });
    this.logger.warn({ ...fields, suppressedSinceLast: last?.suppressed ?? 0 }, message);
  }
}
