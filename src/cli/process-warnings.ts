/**
 * Process warnings go where the command writes: the JSON log for the service,
 * one line on stderr for the tools. kafkajs 2.2.4 arms a timer with
 * `throttledUntil - now` before any throttling (-1 - now): Node.js 24 warns
 * about the negative delay and, as older versions did silently, waits 1 ms;
 * that one is dropped.
 */
export function routeProcessWarnings(write: (warning: Error) => void): void {
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (warning.name !== "TimeoutNegativeWarning") write(warning);
  });
}
