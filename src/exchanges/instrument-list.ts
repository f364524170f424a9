import type { Logger } from '../log.js';
import { Backoff } from './backoff.js';

/** How often a loaded list is fetched again (venues list and delist instruments over time). */
export const DEFAULT_INSTRUMENT_REFRESH_MS = 60 * 60 * 1000;
/** First retry delay after a failed load (then backing off to the cap). */
export const DEFAULT_INSTRUMENT_RETRY_MS = 5_000;
export const DEFAULT_INSTRUMENT_RETRY_CAP_MS = 5 * 60 * 1000;

export interface InstrumentListOptions {
  /** Fetches the venue's symbols (venue-native spelling). Rejects when the list cannot be had. */
  readonly load: () => Promise<ReadonlySet<string>>;
  readonly refreshMs?: number;
  readonly retryMs?: number;
  readonly log: Logger;
}

/**
 * The symbols a venue lists, loaded at start and kept fresh in the background. A venue that cannot
 * answer (5xx, timeout, offline) does not stop FlowRS: `lists()` then says "unknown", connectors fall
 * back to the venue's own answers, and the list is fetched again with backoff until it arrives.
 */
export class InstrumentList {
  private symbols: ReadonlySet<string> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly retry: Backoff;
  private readonly listeners: ((symbols: ReadonlySet<string>) => void)[] = [];

  constructor(private readonly options: InstrumentListOptions) {
    const base = options.retryMs ?? DEFAULT_INSTRUMENT_RETRY_MS;
    this.retry = new Backoff(base, Math.max(base, DEFAULT_INSTRUMENT_RETRY_CAP_MS), () => 1);
  }

  /** First load. Resolves true when the list arrived, false when it did not (never rejects); retries go on in the background. */
  async load(): Promise<boolean> {
    return this.attempt();
  }

  /** true: listed; false: the venue does not list it; undefined: the list is not known yet. */
  lists(symbol: string): boolean | undefined {
    return this.symbols === undefined ? undefined : this.symbols.has(symbol);
  }

  get loaded(): boolean {
    return this.symbols !== undefined;
  }

  /** Called after every successful load (the first and each refresh). */
  onLoad(listener: (symbols: ReadonlySet<string>) => void): void {
    this.listeners.push(listener);
  }

  private async attempt(): Promise<boolean> {
    try {
      const symbols = await this.options.load();
      if (this.stopped) return false;
      this.symbols = symbols;
      this.retry.reset();
      this.schedule(this.options.refreshMs ?? DEFAULT_INSTRUMENT_REFRESH_MS);
      for (const l of this.listeners) l(symbols);
      return true;
    } catch (error) {
      if (this.stopped) return false;
      const delayMs = this.retry.next();
      this.options.log.warn(
        { err: error, retryInMs: delayMs },
        'could not load the instrument list; symbols will be checked against the venue’s own answers meanwhile',
      );
      this.schedule(delayMs);
      return false;
    }
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.attempt(), ms);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
