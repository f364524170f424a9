import type { Logger } from '../log.js';
import { Backoff } from './backoff.js';
import { ConnectorStoppedError, VenueHttpError } from './errors.js';

/** Binance fapi allows 2,400 weight a minute per IP; FlowRS spends at most half on snapshots. */
export const DEFAULT_SNAPSHOT_WEIGHT_BUDGET_PER_MINUTE = 1_200;
/** Without a Retry-After header: wait this long after a 429, and this long after a 418 (a ban). */
export const DEFAULT_RETRY_AFTER_429_MS = 60_000;
export const DEFAULT_RETRY_AFTER_418_MS = 120_000;
/** Random spacing added before each request, so many symbols never fire at once. */
export const DEFAULT_SNAPSHOT_JITTER_MS = 100;

export interface SnapshotQueueOptions {
  /** Weight one request costs (Binance depth limit 1000: 20). */
  readonly requestWeight: number;
  readonly weightBudgetPerMinute?: number;
  readonly jitterMs?: number;
  readonly log: Logger;
  /** Errors that retrying cannot fix: the request is rejected with them instead of retried. */
  readonly isPermanent?: (error: Error) => boolean;
  /** Backoff for failures that are not rate limits (5xx, network), per key. */
  readonly retryBaseMs?: number;
  readonly retryCapMs?: number;
}

interface Pending<T> {
  readonly key: string;
  readonly attempt: () => Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
  readonly promise: Promise<T>;
  readonly backoff: Backoff;
  notBefore: number;
}

/**
 * One queue per venue for REST snapshots. Requests run one at a time, spaced with jitter, within a
 * weight budget per rolling minute; a 429 or 418 pauses the whole queue until `Retry-After` (so a
 * reconnect of a hundred symbols cannot get the IP banned); other failures retry with backoff.
 * A key already waiting is not queued twice.
 */
export class SnapshotQueue<T> {
  private readonly queue: Pending<T>[] = [];
  private readonly spent: { at: number; weight: number }[] = [];
  private pausedUntil = 0;
  private running = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private readonly budget: number;
  private readonly jitterMs: number;
  readonly stats = { requests: 0, failures: 0, rateLimited: 0 };

  constructor(private readonly options: SnapshotQueueOptions) {
    this.budget = options.weightBudgetPerMinute ?? DEFAULT_SNAPSHOT_WEIGHT_BUDGET_PER_MINUTE;
    this.jitterMs = options.jitterMs ?? DEFAULT_SNAPSHOT_JITTER_MS;
    if (options.requestWeight > this.budget) throw new RangeError('requestWeight exceeds the weight budget');
  }

  /** Runs `attempt` when the budget allows, retrying until it succeeds or the queue stops. */
  enqueue(key: string, attempt: () => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new ConnectorStoppedError());
    const existing = this.queue.find((p) => p.key === key);
    if (existing) return existing.promise;
    let resolve!: (value: T) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Callers that stop caring must not see an unhandled rejection when the queue stops.
    promise.catch(() => undefined);
    const backoff = new Backoff(this.options.retryBaseMs ?? 250, this.options.retryCapMs ?? 30_000);
    this.queue.push({ key, attempt, resolve, reject, promise, backoff, notBefore: 0 });
    void this.run();
    return promise;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** When the whole queue may next send (after a 429/418), or 0. */
  get pausedUntilMs(): number {
    return this.pausedUntil;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, Math.max(0, ms));
    });
  }

  private weightSpentInLastMinute(now: number): number {
    while (this.spent.length > 0 && now - this.spent[0].at >= 60_000) this.spent.shift();
    return this.spent.reduce((sum, s) => sum + s.weight, 0);
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        const now = Date.now();
        if (now < this.pausedUntil) {
          await this.sleep(this.pausedUntil - now);
          continue;
        }
        if (this.weightSpentInLastMinute(now) + this.options.requestWeight > this.budget) {
          await this.sleep(this.spent[0].at + 60_000 - now);
          continue;
        }
        const index = this.queue.findIndex((p) => p.notBefore <= now);
        if (index === -1) {
          await this.sleep(Math.min(...this.queue.map((p) => p.notBefore)) - now);
          continue;
        }
        await this.sleep(Math.random() * this.jitterMs);
        if (this.stopped) break;
        const item = this.queue[index];
        this.spent.push({ at: Date.now(), weight: this.options.requestWeight });
        this.stats.requests++;
        try {
          const value = await item.attempt();
          this.queue.splice(this.queue.indexOf(item), 1);
          item.resolve(value);
        } catch (error) {
          this.stats.failures++;
          this.onFailure(item, error as Error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private onFailure(item: Pending<T>, error: Error): void {
    if (this.options.isPermanent?.(error)) {
      this.queue.splice(this.queue.indexOf(item), 1);
      item.reject(error);
      return;
    }
    if (error instanceof VenueHttpError && error.isRateLimit) {
      this.stats.rateLimited++;
      const wait =
        error.retryAfterMs ?? (error.status === 418 ? DEFAULT_RETRY_AFTER_418_MS : DEFAULT_RETRY_AFTER_429_MS);
      this.pausedUntil = Date.now() + wait;
      this.options.log.warn(
        { status: error.status, retryAfterMs: wait },
        'venue rate limit hit; pausing all snapshot requests',
      );
      return;
    }
    const delay = item.backoff.next();
    item.notBefore = Date.now() + delay;
    this.options.log.warn(
      { key: item.key, err: error.message, retryInMs: delay },
      'snapshot request failed; will retry',
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    for (const item of this.queue.splice(0)) item.reject(new ConnectorStoppedError());
  }
}

/** Fetches a URL as text, turning non-2xx answers into VenueHttpError with Retry-After in ms. */
export async function fetchText(url: string, timeoutMs = 10_000): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.text();
  if (!res.ok) {
    const retryAfter = res.headers.get('retry-after');
    const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
    throw new VenueHttpError(res.status, url, Number.isFinite(seconds) ? seconds * 1000 : undefined, body);
  }
  return body;
}
