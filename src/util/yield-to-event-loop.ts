/**
 * Lets pending I/O callbacks (a scrape, a heartbeat) run before continuing a
 * long synchronous job; `setImmediate` runs after the poll phase, so waiting
 * sockets are served first.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
