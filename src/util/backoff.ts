/** A dependency that could not do the work now, and when to try again. */
export interface Unavailable {
  readonly retryAfterMs: number;
  readonly detail: string;
}

/** Exponential backoff: `initialMs`, doubling per consecutive failure, capped at `maxMs`. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** Records a failure; returns how long to wait before the next attempt. */
  fail(): number {
    const delay = Math.min(this.initialMs * 2 ** this.failures, this.maxMs);
    this.failures++;
    return delay;
  }

  /** Records a success: the next failure waits `initialMs` again. */
  reset(): void {
    this.failures = 0;
  }
}

/** The one retry schedule for a dependency that is down (brokers, registry, dead-letter topic): 0.5 s doubling to 30 s. */
export function dependencyBackoff(): Backoff {
  return new Backoff(500, 30_000);
}
