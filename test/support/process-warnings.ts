/**
 * Test workers run kafkajs in process. kafkajs 2.2.4 arms a timer with
 * `throttledUntil - now` before any throttling (-1 - now): Node.js 24 warns
 * about the negative delay (and, as older versions did silently, waits 1 ms).
 * The service drops that one warning (`src/main.ts`); so do the tests' own
 * clients, so the test log shows only warnings that mean something.
 */
const defaults = process.listeners("warning");
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (warning.name === "TimeoutNegativeWarning") return;
  for (const listener of defaults) listener(warning);
});
