import type { Logger } from "pino";

/** Log levels a rate-limited line can have. */
export type LineLevel = "error" | "warn" | "info" | "debug";

/** Keys remembered at most; beyond them the oldest is forgotten (a flood of distinct keys stays bounded). */
const MAX_KEYS = 1_000;

/**
 * Logs at most one line per key per interval and says how many were
 * suppressed, so a flood of bad events or of a client's retries cannot flood
 * the logs.
 */
export class RateLimitedLog {
  private readonly lastAt = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    this.write("warn", key, fields, message);
  }

  write(level: LineLevel, key: string, fields: Record<string, unknown>, message: string): void {
    const at = this.now();
    const last = this.lastAt.get(key);
    if (last && at - last.at < this.intervalMs) {
      last.suppressed++;
      return;
    }
    this.lastAt.delete(key);
    this.lastAt.set(key, { at, suppressed: 0 });
    if (this.lastAt.size > MAX_KEYS) this.lastAt.delete(this.lastAt.keys().next().value as string);
    this.logger[level]({ ...fields, suppressedSinceLast: last?.suppressed ?? 0 }, message);
  }
}
