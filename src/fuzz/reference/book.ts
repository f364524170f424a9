import type { ReferenceDecimal } from './decimal.js';

/** A validated level: the price (with its ordering key) and the quantity as sent. */
export interface ReferenceLevel {
  readonly price: ReferenceDecimal;
  readonly quantity: ReferenceDecimal;
}

/** A level as stored: the latest spelling of its price and its quantity. */
export interface StoredLevel {
  readonly key: string;
  readonly price: string;
  readonly quantity: string;
}

/**
 * One side of the reference book: a Map keyed by the price's value (so "37000.1" and "37000.10" are one
 * level), plus the keys in ascending order for reading the best levels. Trust is a price: the side is
 * exact from the touch down to `boundary` (a truncated snapshot's worst price); levels past it are known
 * one by one, but what lies between them is not, so they are never vouched for. Nothing ever moves the
 * boundary away from the touch.
 */
export class ReferenceSide {
  private readonly levels = new Map<string, StoredLevel>();
  /** Keys ascending (string order is value order, see ReferenceDecimal.key). */
  private keys: string[] = [];
  /** Key of the worst trusted price; undefined when the whole side is known. */
  boundary: string | undefined;

  constructor(readonly bestIsHighest: boolean) {}

  get size(): number {
    return this.keys.length;
  }

  /** Sets a level to an absolute quantity; zero deletes it. */
  set(level: ReferenceLevel): void {
    const key = level.price.key;
    if (level.quantity.zero) {
      if (this.levels.delete(key)) this.keys.splice(this.indexOf(key), 1);
      return;
    }
    if (!this.levels.has(key)) this.keys.splice(this.indexOf(key), 0, key);
    this.levels.set(key, { key, price: level.price.text, quantity: level.quantity.text });
  }

  /** Index of the first key not below `key`. */
  private indexOf(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Levels from the touch that are known to be exact. */
  trustedCount(): number {
    if (this.boundary === undefined) return this.keys.length;
    const at = this.indexOf(this.boundary);
    if (this.bestIsHighest) return this.keys.length - at;
    return at < this.keys.length && this.keys[at] === this.boundary ? at + 1 : at;
  }

  /** Up to `n` best levels, best first; only trusted ones unless `all`. */
  top(n: number, all = false): StoredLevel[] {
    const m = Math.min(n, all ? this.keys.length : this.trustedCount());
    const out: StoredLevel[] = new Array(m);
    const last = this.keys.length - 1;
    for (let i = 0; i < m; i++) out[i] = this.levels.get(this.keys[this.bestIsHighest ? last - i : i])!;
    return out;
  }

  /** The `i`-th best level (0 = best), trusted or not; undefined past the end. */
  levelAt(i: number): StoredLevel | undefined {
    if (i >= this.keys.length) return undefined;
    return this.levels.get(this.keys[this.bestIsHighest ? this.keys.length - 1 - i : i]);
  }

  best(): StoredLevel | undefined {
    return this.levelAt(0);
  }

  /**
   * Replaces the side from a snapshot (a zero level in a snapshot is no level: it is skipped; a repeated
   * price keeps its last quantity); `truncated`: the venue cut it, so it is exact down to its worst price.
   */
  reset(levels: readonly ReferenceLevel[], truncated: boolean): void {
    this.levels.clear();
    this.boundary = undefined;
    for (const level of levels) {
      if (level.quantity.zero) continue;
      const key = level.price.key;
      this.levels.set(key, { key, price: level.price.text, quantity: level.quantity.text });
    }
    this.keys = [...this.levels.keys()].sort();
    if (truncated && this.keys.length > 0) this.boundary = this.bestIsHighest ? this.keys[0] : this.keys.at(-1);
  }

  copyFrom(other: ReferenceSide): void {
    this.levels.clear();
    for (const [k, v] of other.levels) this.levels.set(k, v);
    this.keys = other.keys.slice();
    this.boundary = other.boundary;
  }
}

export class ReferenceBook {
  readonly bids = new ReferenceSide(true);
  readonly asks = new ReferenceSide(false);

  apply(bids: readonly ReferenceLevel[], asks: readonly ReferenceLevel[]): void {
    for (const l of bids) this.bids.set(l);
    for (const l of asks) this.asks.set(l);
  }

  /** A best bid at or above the best ask: not a book any venue can have. */
  isCrossed(): boolean {
    const bid = this.bids.best();
    const ask = this.asks.best();
    return bid !== undefined && ask !== undefined && bid.key >= ask.key;
  }

  /**
   * Why this book must not be served (FlowRS's documented rule): crossed, or a truncated side with fewer
   * than `minTrusted` trusted levels (a hole near the touch); undefined when healthy.
   */
  unhealthy(minTrusted: number): 'crossed' | 'depth' | undefined {
    if (this.isCrossed()) return 'crossed';
    for (const side of [this.bids, this.asks]) {
      if (side.boundary !== undefined && side.trustedCount() < minTrusted) return 'depth';
    }
    return undefined;
  }

  clone(): ReferenceBook {
    const copy = new ReferenceBook();
    copy.bids.copyFrom(this.bids);
    copy.asks.copyFrom(this.asks);
    return copy;
  }
}
