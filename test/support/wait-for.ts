/** Thrown by a probe that knows the wait is hopeless (the process it waits on ended): the wait fails at once. */
export class GiveUp extends Error {
  override readonly name = "GiveUp";
}

/**
 * Polls `probe` until it returns a value other than `undefined`, instead of
 * sleeping a fixed time. Fails with `what` and the last error after
 * `timeoutMs`, or at once when the probe throws {@link GiveUp}.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 30_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
