/** A per-address limit on WebSocket handshakes: a token bucket per address, in bounded memory. */

/** The window FLOWRS_HANDSHAKES_PER_IP_PER_MINUTE counts over. */
export const HANDSHAKE_WINDOW_MS = 60_000;
/** Most addresses tracked at once; past it the oldest generation of entries is dropped early. */
export const DEFAULT_MAX_TRACKED_ADDRESSES = 100_000;

export type RateDecision = { readonly type: 'allowed' } | { readonly type: 'limited'; readonly retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Each address may start `perWindow` handshakes at once and earns them back evenly over the window.
 *
 * Entries live in two generations: the current one, and the one before. Once a window (or when the current
 * one holds half the ceiling) the older generation is dropped and the current one takes its place; an
 * address seen again moves back into the current one. An entry dropped on time was untouched for a whole
 * window, so its bucket was full again and forgetting it changes nothing; memory stays under the ceiling
 * and every operation is O(1), whatever addresses a flood comes from.
 */
export class HandshakeRateLimiter {
  private current = new Map<string, Bucket>();
  private previous = new Map<string, Bucket>();
  private readonly refillPerMs: number;
  private rotatedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly perWindow: number,
    readonly windowMs = HANDSHAKE_WINDOW_MS,
    private readonly maxTracked = DEFAULT_MAX_TRACKED_ADDRESSES,
  ) {
    this.refillPerMs = perWindow / windowMs;
  }

  /** Counts one handshake from `address` if it is within its rate. */
  take(address: string, now = Date.now()): RateDecision {
    if (now - this.rotatedAt >= this.windowMs || this.current.size >= this.maxTracked / 2) this.rotate(now);
    const bucket = this.bucket(address, now);
    if (bucket.tokens < 1) {
      return { type: 'limited', retryAfterMs: Math.ceil((1 - bucket.tokens) / this.refillPerMs) };
    }
    bucket.tokens -= 1;
    return { type: 'allowed' };
  }

  /** Addresses held in memory now. */
  get tracked(): number {
    return this.current.size + this.previous.size;
  }

  private bucket(address: string, now: number): Bucket {
    let bucket = this.current.get(address);
    if (bucket === undefined) {
      bucket = this.previous.get(address) ?? { tokens: this.perWindow, at: now };
      this.previous.delete(address);
      this.current.set(address, bucket);
    }
    bucket.tokens = Math.min(this.perWindow, bucket.tokens + (now - bucket.at) * this.refillPerMs);
    bucket.at = now;
    return bucket;
  }

  private rotate(now: number): void {
    this.previous = this.current;
    this.current = new Map();
    this.rotatedAt = now;
  }
}
