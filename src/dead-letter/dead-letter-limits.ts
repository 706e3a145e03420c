/** What a broker lets a dead-letter topic's record batches weigh when it cannot be asked: a little under its default (1,048,588). */
const FALLBACK_MAX_MESSAGE_BYTES = 1_000_000;

/** How long a topic's limit is trusted before it is read again (an operator may change it). */
const TRUST_MS = 10 * 60_000;

/**
 * The `max.message.bytes` of each dead-letter topic, read from the brokers
 * (through `describe`, which resolves `undefined` when the topic or the
 * setting cannot be read) and kept for ten minutes: the size a dead letter,
 * with its reason headers, must fit.
 */
export class DeadLetterLimits {
  private readonly known = new Map<string, { bytes: number; untilMs: number }>();

  constructor(
    private readonly describe: (topic: string) => Promise<number | undefined>,
    private readonly now: () => number = Date.now,
  ) {}

  async maxMessageBytes(topic: string): Promise<number> {
    const known = this.known.get(topic);
    if (known && known.untilMs > this.now()) return known.bytes;
    let bytes: number | undefined;
    try {
      bytes = await this.describe(topic);
    } catch {
      bytes = undefined;
    }
    const limit =
      bytes !== undefined && Number.isFinite(bytes) && bytes > 0 ? bytes : FALLBACK_MAX_MESSAGE_BYTES;
    this.known.set(topic, { bytes: limit, untilMs: this.now() + TRUST_MS });
    return limit;
  }
}
