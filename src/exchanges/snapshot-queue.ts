import type { Logger } from '../log.js';
import { nowUs, trafficTaps } from '../record/tap.js';
import { Backoff } from './backoff.js';
import { ConnectorStoppedError, VenueHttpError } from './errors.js';

/** Binance fapi allows 2,400 weight a minute per IP; FlowRS spends at most half on snapshots. */
export const DEFAULT_SNAPSHOT_WEIGHT_BUDGET_PER_MINUTE = 1_200;
/** Without a Retry-After header: wait this long after a 429, and this long after a 418 (a ban). */
export const DEFAULT_RETRY_AFTER_429_MS = 60_000;
export const DEFAULT_RETRY_AFTER_418_MS = 120_000;
/** A 403 is the venue's web application firewall; it documents no duration, so wait as long as for a ban. */
export const DEFAULT_RETRY_AFTER_403_MS = 120_000;
/** Random spacing added before each request, so many symbols never fire at once. */
export const DEFAULT_SNAPSHOT_JITTER_MS = 100;
/** Backoff for one key's failures that are not about the IP (5xx, network, bad body). */
export const DEFAULT_SNAPSHOT_RETRY_BASE_MS = 250;
export const DEFAULT_SNAPSHOT_RETRY_CAP_MS = 30_000;
/** Venue weight counters (`X-MBX-USED-WEIGHT-1M`) count per calendar minute. */
export const WEIGHT_WINDOW_MS = 60_000;
/** Default REST request timeout. */
export const DEFAULT_REST_TIMEOUT_MS = 10_000;

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
  /** Log fields that name a key (default `{ key }`), e.g. `{ book: "binance:BTCUSDT" }`. */
  readonly describe?: (key: string) => Record<string, unknown>;
  /** Clock, injectable for tests. */
  readonly now?: () => number;
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
 * weight budget per rolling minute; a 429, 418 or 403 pauses the whole queue until `Retry-After` (so a
 * reconnect of a hundred symbols cannot get the IP banned); other failures retry with backoff, per key.
 * The venue's own count of the IP's weight (which includes other processes on the same IP), when
 * reported, holds requests that would take it past the budget until its minute rolls over.
 * A key already waiting is not queued twice.
 */
export class SnapshotQueue<T> {
  private readonly queue: Pending<T>[] = [];
  private readonly spent: { at: number; weight: number }[] = [];
  private pausedUntil = 0;
  /** The venue's last report of the IP's used weight, valid until the end of its minute. */
  private venueUsed = { weight: 0, until: 0 };
  private running = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private readonly budget: number;
  private readonly jitterMs: number;
  private readonly now: () => number;
  readonly stats = { requests: 0, failures: 0, rateLimited: 0, heldForVenueWeight: 0 };

  constructor(private readonly options: SnapshotQueueOptions) {
    this.budget = options.weightBudgetPerMinute ?? DEFAULT_SNAPSHOT_WEIGHT_BUDGET_PER_MINUTE;
    this.jitterMs = options.jitterMs ?? DEFAULT_SNAPSHOT_JITTER_MS;
    this.now = options.now ?? Date.now;
    if (options.requestWeight > this.budget) throw new RangeError('requestWeight exceeds the weight budget');
  }

  /**
   * Runs `attempt` when the budget allows, and not before `delayMs` from now, retrying until it
   * succeeds or the queue stops.
   */
  enqueue(key: string, attempt: () => Promise<T>, delayMs = 0): Promise<T> {
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
    const backoff = new Backoff(
      this.options.retryBaseMs ?? DEFAULT_SNAPSHOT_RETRY_BASE_MS,
      this.options.retryCapMs ?? DEFAULT_SNAPSHOT_RETRY_CAP_MS,
    );
    const notBefore = delayMs > 0 ? this.now() + delayMs : 0;
    this.queue.push({ key, attempt, resolve, reject, promise, backoff, notBefore });
    this.kick();
    return promise;
  }

  /**
   * The venue's count of weight used by this IP in the current minute (Binance `X-MBX-USED-WEIGHT-1M`),
   * read from any answer, success or failure.
   */
  reportUsedWeight(weight: number, at = this.now()): void {
    if (!Number.isFinite(weight) || weight < 0) return;
    const until = at - (at % WEIGHT_WINDOW_MS) + WEIGHT_WINDOW_MS;
    // Answers can arrive out of order: within one minute the count only grows.
    if (until === this.venueUsed.until) this.venueUsed.weight = Math.max(this.venueUsed.weight, weight);
    else if (until > this.venueUsed.until) this.venueUsed = { weight, until };
  }

  get pending(): number {
    return this.queue.length;
  }

  /** When `key` may next be requested (0: as soon as the queue allows), or undefined if not queued. */
  notBefore(key: string): number | undefined {
    return this.queue.find((p) => p.key === key)?.notBefore;
  }

  /** When the whole queue may next send (after a 429/418/403), or 0. */
  get pausedUntilMs(): number {
    return this.pausedUntil;
  }

  /** The venue's last reported weight for this IP in the current minute (0 once the minute is over). */
  venueUsedWeight(now = this.now()): number {
    return now < this.venueUsed.until ? this.venueUsed.weight : 0;
  }

  /** When a request would take the IP past the budget by the venue's count: held until then, else 0. */
  heldForVenueWeightUntil(now = this.now()): number {
    return this.venueUsedWeight(now) + this.options.requestWeight > this.budget ? this.venueUsed.until : 0;
  }

  private kick(): void {
    if (this.running) {
      // A sleeping loop re-reads the queue (a new item may be due sooner than what it waits for).
      this.wakeUp();
      return;
    }
    void this.run();
  }

  private wakeUp(): void {
    clearTimeout(this.timer);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, Math.max(0, ms));
    });
  }

  private weightSpentInLastMinute(now: number): number {
    while (this.spent.length > 0 && now - this.spent[0].at >= WEIGHT_WINDOW_MS) this.spent.shift();
    return this.spent.reduce((sum, s) => sum + s.weight, 0);
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        const now = this.now();
        if (now < this.pausedUntil) {
          await this.sleep(this.pausedUntil - now);
          continue;
        }
        if (this.weightSpentInLastMinute(now) + this.options.requestWeight > this.budget) {
          await this.sleep(this.spent[0].at + WEIGHT_WINDOW_MS - now);
          continue;
        }
        const held = this.heldForVenueWeightUntil(now);
        if (held > now) {
          this.stats.heldForVenueWeight++;
          this.options.log.debug(
            { venueUsedWeight: this.venueUsed.weight, budget: this.budget, waitMs: held - now },
            'the venue counts this IP near the weight budget (other processes share it); waiting',
          );
          await this.sleep(held - now);
          continue;
        }
        const index = this.queue.findIndex((p) => p.notBefore <= now);
        if (index === -1) {
          await this.sleep(Math.min(...this.queue.map((p) => p.notBefore)) - now);
          continue;
        }
        const item = this.queue[index];
        await this.sleep(Math.random() * this.jitterMs);
        if (this.stopped) break;
        // A wake-up during the jitter may have changed the queue: only send what is still due.
        if (!this.queue.includes(item) || item.notBefore > this.now()) continue;
        this.spent.push({ at: this.now(), weight: this.options.requestWeight });
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

  private describe(key: string): Record<string, unknown> {
    return this.options.describe?.(key) ?? { key };
  }

  private onFailure(item: Pending<T>, error: Error): void {
    if (this.options.isPermanent?.(error)) {
      this.queue.splice(this.queue.indexOf(item), 1);
      item.reject(error);
      return;
    }
    if (error instanceof VenueHttpError && error.pausesVenue) {
      this.stats.rateLimited++;
      const wait = error.retryAfterMs ?? defaultPauseMs(error.status);
      this.pausedUntil = this.now() + wait;
      this.options.log.warn(
        { ...this.describe(item.key), err: error, status: error.status, retryAfterMs: wait },
        error.status === 403
          ? 'the venue’s firewall refused this IP (HTTP 403); pausing all snapshot requests'
          : 'venue rate limit hit; pausing all snapshot requests',
      );
      return;
    }
    const delay = item.backoff.next();
    item.notBefore = this.now() + delay;
    this.options.log.warn(
      { ...this.describe(item.key), err: error, retryInMs: delay },
      'snapshot request failed; will retry',
    );
  }

  stop(): void {
    this.stopped = true;
    this.wakeUp();
    for (const item of this.queue.splice(0)) item.reject(new ConnectorStoppedError());
  }
}

function defaultPauseMs(status: number): number {
  if (status === 418) return DEFAULT_RETRY_AFTER_418_MS;
  if (status === 403) return DEFAULT_RETRY_AFTER_403_MS;
  return DEFAULT_RETRY_AFTER_429_MS;
}

/** A successful REST answer. */
export interface RestResponse {
  readonly body: string;
  readonly headers: Headers;
}

/** What a REST request sends besides its URL (GET with no body when absent). */
export interface RestRequest {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * Fetches a URL, turning non-2xx answers into VenueHttpError (with Retry-After in ms and the headers).
 * Every venue REST request goes through here, so recordings hold every answer the connectors used.
 */
export async function fetchResponse(
  url: string,
  timeout: number | AbortSignal = DEFAULT_REST_TIMEOUT_MS,
  request: RestRequest = {},
): Promise<RestResponse> {
  const taps = trafficTaps();
  const sentAtUs = taps.length > 0 ? nowUs() : 0;
  const method = request.method ?? 'GET';
  let status: number;
  let headers: Headers;
  let body: string;
  try {
    const res = await fetch(url, {
      method,
      headers: request.headers,
      body: request.body,
      signal: typeof timeout === 'number' ? AbortSignal.timeout(timeout) : timeout,
    });
    body = await res.text();
    status = res.status;
    headers = res.headers;
  } catch (error) {
    for (const tap of taps)
      tap.rest?.({ method, url, requestBody: request.body, sentAtUs, receivedAtUs: nowUs(), error: String(error) });
    throw error;
  }
  for (const tap of taps)
    tap.rest?.({
      method,
      url,
      requestBody: request.body,
      sentAtUs,
      receivedAtUs: nowUs(),
      response: { status, headers, body },
    });
  if (status < 200 || status > 299) {
    const retryAfter = headers.get('retry-after');
    const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
    throw new VenueHttpError(status, url, Number.isFinite(seconds) ? seconds * 1000 : undefined, body, headers);
  }
  return { body, headers };
}

/** Fetches a URL as text, turning non-2xx answers into VenueHttpError with Retry-After in ms. */
export async function fetchText(url: string, timeout: number | AbortSignal = DEFAULT_REST_TIMEOUT_MS): Promise<string> {
  return (await fetchResponse(url, timeout)).body;
}
