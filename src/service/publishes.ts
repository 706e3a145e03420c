/**
 * The publishes of partition state (a commit, a restore): counted, since what
 * `/metrics` and the status page read changes only with them, and followed
 * by what must happen after each before its records count as shown (the
 * exposition makes their text).
 */
export class Publishes {
  private countNow = 0;
  private readonly listeners: (() => Promise<void>)[] = [];

  get count(): number {
    return this.countNow;
  }

  /** Runs `listener` after every publish. */
  onEach(listener: () => Promise<void>): void {
    this.listeners.push(listener);
  }

  /** A publish happened: resolves once every listener is done with it. */
  readonly announce = async (): Promise<void> => {
    this.countNow++;
    await Promise.all(this.listeners.map((listener) => listener()));
  };
}
