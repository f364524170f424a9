/**
 * One side of an order book: levels kept sorted with the best price at the END of the arrays.
 *
 * Why the tail: most venue updates land within a few ticks of the touch. With the touch at the end,
 * inserting or deleting there shifts only the few levels behind it, where a best-first array
 * (ccxt's layout) shifts the whole side. Lookups gallop from the tail, so their cost grows with the
 * distance from the touch, not with the size of the book.
 *
 * Both sides are stored ascending by key: bids use `price` as key and asks use `-price`, so one code
 * path serves both and "best" is always the largest key.
 *
 * Trust boundary: a side may be exact only down to some price (a truncated snapshot, or a trim).
 * `boundaryKey` is the smallest key known to be exact; levels with smaller keys are individually
 * correct (a delta told us their quantity) but the gaps between them are unknown.
 */
export class BookSide {
  private keys: Float64Array;
  private prices: string[] = [];
  private quantities: string[] = [];
  private count = 0;
  /** Smallest key up to which the side is exact; -Infinity when the whole side is known. */
  private boundaryKey = Number.NEGATIVE_INFINITY;

  constructor(initialCapacity = 256) {
    this.keys = new Float64Array(initialCapacity);
  }

  get size(): number {
    return this.count;
  }

  /** Replaces the side. Input must be sorted ascending by key with unique keys. */
  reset(keys: ArrayLike<number>, prices: string[], quantities: string[], truncated: boolean): void {
    const n = prices.length;
    if (this.keys.length < n) this.keys = new Float64Array(Math.max(n * 2, 256));
    for (let i = 0; i < n; i++) this.keys[i] = keys[i];
    this.prices = prices;
    this.quantities = quantities;
    this.count = n;
    this.boundaryKey = truncated && n > 0 ? this.keys[0] : Number.NEGATIVE_INFINITY;
  }

  clear(): void {
    this.prices = [];
    this.quantities = [];
    this.count = 0;
    this.boundaryKey = Number.NEGATIVE_INFINITY;
  }

  /** Index of the first key >= k, galloping from the tail (the touch). */
  private lowerBound(k: number): number {
    const keys = this.keys;
    let hi = this.count;
    let lo = 0;
    let step = 1;
    for (;;) {
      const i = hi - step;
      if (i < 0) break;
      if (keys[i] < k) {
        lo = i + 1;
        break;
      }
      hi = i;
      step <<= 1;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Sets the level at `key` to `quantity` (inserting it if absent). */
  upsert(key: number, price: string, quantity: string): void {
    const i = this.lowerBound(key);
    const n = this.count;
    if (i < n && this.keys[i] === key) {
      this.prices[i] = price;
      this.quantities[i] = quantity;
      return;
    }
    if (n === this.keys.length) {
      const grown = new Float64Array(n * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const keys = this.keys;
    const prices = this.prices;
    const quantities = this.quantities;
    keys.copyWithin(i + 1, i, n);
    prices.push(price);
    quantities.push(quantity);
    for (let j = n; j > i; j--) {
      prices[j] = prices[j - 1];
      quantities[j] = quantities[j - 1];
    }
    keys[i] = key;
    prices[i] = price;
    quantities[i] = quantity;
    this.count = n + 1;
  }

  /** Removes the level at `key`; removing an absent level is harmless (venues do it routinely). */
  remove(key: number): void {
    const i = this.lowerBound(key);
    const n = this.count;
    if (i >= n || this.keys[i] !== key) return;
    const prices = this.prices;
    const quantities = this.quantities;
    this.keys.copyWithin(i, i + 1, n);
    for (let j = i; j < n - 1; j++) {
      prices[j] = prices[j + 1];
      quantities[j] = quantities[j + 1];
    }
    prices.pop();
    quantities.pop();
    this.count = n - 1;
  }

  /**
   * Drops the worst levels so that `keep` remain. Levels below the new worst one are now unknown, so
   * the side is exact at most down to it; but a trim never extends trust: where the side was already
   * exact only down to a higher key (deep levels learned one by one from deltas, with unknown gaps
   * between them), that boundary stays. The boundary only ever moves towards the touch here.
   */
  trimTo(keep: number): void {
    const n = this.count;
    if (n <= keep) return;
    const drop = n - keep;
    this.keys.copyWithin(0, drop, n);
    this.prices.splice(0, drop);
    this.quantities.splice(0, drop);
    this.count = keep;
    // With nothing kept, every remaining level is unknown: trust nothing below +Infinity.
    const keptWorst = keep > 0 ? this.keys[0] : Number.POSITIVE_INFINITY;
    this.boundaryKey = Math.max(this.boundaryKey, keptWorst);
  }

  /** Number of levels, from the touch outwards, that are known to be exact. */
  trustedDepth(): number {
    if (this.boundaryKey === Number.NEGATIVE_INFINITY) return this.count;
    return this.count - this.lowerBound(this.boundaryKey);
  }

  /** True when levels beyond the trusted ones may exist that we do not know about. */
  isTruncated(): boolean {
    return this.boundaryKey !== Number.NEGATIVE_INFINITY;
  }

  /** Key of the best level (largest key), or NaN when empty. */
  bestKey(): number {
    return this.count > 0 ? this.keys[this.count - 1] : Number.NaN;
  }

  bestPrice(): string | undefined {
    return this.count > 0 ? this.prices[this.count - 1] : undefined;
  }

  bestQuantity(): string | undefined {
    return this.count > 0 ? this.quantities[this.count - 1] : undefined;
  }

  /** The `i`-th best level's price (0 = best); undefined past the end. */
  priceAt(i: number): string | undefined {
    return i < this.count ? this.prices[this.count - 1 - i] : undefined;
  }

  quantityAt(i: number): string | undefined {
    return i < this.count ? this.quantities[this.count - 1 - i] : undefined;
  }

  /** Up to `n` best levels, best first, as fresh `[price, quantity]` tuples. */
  top(n: number): [string, string][] {
    const m = Math.min(n, this.count);
    const out: [string, string][] = new Array(m);
    const last = this.count - 1;
    for (let i = 0; i < m; i++) out[i] = [this.prices[last - i], this.quantities[last - i]];
    return out;
  }
}
