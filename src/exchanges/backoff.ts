/** Reconnect delays: exponential growth, capped, with full jitter (a uniform draw below the ceiling). */
export const DEFAULT_BACKOFF_BASE_MS = 250;
export const DEFAULT_BACKOFF_CAP_MS = 30_000;

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = DEFAULT_BACKOFF_BASE_MS,
    private readonly capMs = DEFAULT_BACKOFF_CAP_MS,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay; each call raises the ceiling until the cap. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.floor(this.random() * ceiling);
  }

  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }

  /** A backoff with the same parameters and its own count (for a second kind of retry on the same link). */
  fresh(): Backoff {
    return new Backoff(this.baseMs, this.capMs, this.random);
  }
}
