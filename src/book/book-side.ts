/**
 * One side of an order book: levels kept sorted with the best price at the END of the occupied range.
 *
 * Why the tail: most venue updates land within a few ticks of the touch. With the touch at the end,
 * inserting or deleting there shifts only the few levels behind it. Lookups gallop from the tail, so
 * their cost grows with the distance from the touch, not with the size of the book.
 *
 * Why a head offset: venues that send a fixed window (Bybit `orderbook.200`, OKX `books`) also add and
 * drop levels at the window's far edge, every message. The occupied range [head, head + count) has room
 * on both sides, and an insert or a delete shifts whichever part of the side is shorter: an edit at
 * either end moves a few levels, not the whole side.
 *
 * Both sides are stored ascending by key: bids use `price` as key and asks use `-price`, so one code
 * path serves both and "best" is always the largest key.
 *
 * Trust boundary: a side may be exact only down to some price (a truncated snapshot, or a trim).
 * `boundaryKey` is the smallest key known to be exact; levels with smaller keys are individually
 * correct (a delta told us their quantity) but the gaps between them are unknown.
 */
/** Capacity a side starts with, and the least it grows to. */
const DEFAULT_SIDE_CAPACITY = 256;

export class BookSide {
  /** Keys, prices and quantities share one layout: slots [head, head + count) hold the levels. */
  private keys: Float64Array;
  private prices: string[];
  private quantities: string[];
  private head: number;
  private count = 0;
  /** Smallest key up to which the side is exact; -Infinity when the whole side is known. */
  private boundaryKey = Number.NEGATIVE_INFINITY;

  constructor(initialCapacity = DEFAULT_SIDE_CAPACITY) {
    const capacity = Math.max(2, initialCapacity);
    this.keys = new Float64Array(capacity);
    // Empty strings, not holes: the arrays stay packed, and a freed slot holds no venue string.
    this.prices = new Array<string>(capacity).fill('');
    this.quantities = new Array<string>(capacity).fill('');
    this.head = capacity >> 1;
  }

  get size(): number {
    return this.count;
  }

  /** Replaces the side. Input must be sorted ascending by key with unique keys. */
  reset(keys: ArrayLike<number>, prices: string[], quantities: string[], truncated: boolean): void {
    const n = prices.length;
    if (this.keys.length < n + 2) this.allocate(Math.max(2 * n, DEFAULT_SIDE_CAPACITY));
    else this.release(this.head, this.head + this.count);
    const head = (this.keys.length - n) >> 1;
    for (let i = 0; i < n; i++) {
      this.keys[head + i] = keys[i];
      this.prices[head + i] = prices[i];
      this.quantities[head + i] = quantities[i];
    }
    this.head = head;
    this.count = n;
    this.boundaryKey = truncated && n > 0 ? this.keys[head] : Number.NEGATIVE_INFINITY;
  }

  clear(): void {
    this.release(this.head, this.head + this.count);
    this.head = this.keys.length >> 1;
    this.count = 0;
    this.boundaryKey = Number.NEGATIVE_INFINITY;
  }

  /** Index (from the worst level, 0-based) of the first key >= k, galloping from the tail (the touch). */
  private lowerBound(k: number): number {
    const keys = this.keys;
    const head = this.head;
    let hi = this.count;
    let lo = 0;
    let step = 1;
    for (;;) {
      const i = hi - step;
      if (i < 0) break;
      if (keys[head + i] < k) {
        lo = i + 1;
        break;
      }
      hi = i;
      step <<= 1;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[head + mid] < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Sets the level at `key` to `quantity` (inserting it if absent). */
  upsert(key: number, price: string, quantity: string): void {
    const i = this.lowerBound(key);
    const n = this.count;
    let head = this.head;
    if (i < n && this.keys[head + i] === key) {
      this.prices[head + i] = price;
      this.quantities[head + i] = quantity;
      return;
    }
    // Shift the shorter part: the i levels below the new one one slot down, or the n - i above it one up.
    if (i < n - i) {
      if (head === 0) head = this.recentre();
      const keys = this.keys;
      const prices = this.prices;
      const quantities = this.quantities;
      keys.copyWithin(head - 1, head, head + i);
      for (let j = head - 1; j < head - 1 + i; j++) {
        prices[j] = prices[j + 1];
        quantities[j] = quantities[j + 1];
      }
      head = --this.head;
    } else {
      if (head + n === this.keys.length) head = this.recentre();
      const keys = this.keys;
      const prices = this.prices;
      const quantities = this.quantities;
      keys.copyWithin(head + i + 1, head + i, head + n);
      for (let j = head + n; j > head + i; j--) {
        prices[j] = prices[j - 1];
        quantities[j] = quantities[j - 1];
      }
    }
    this.keys[head + i] = key;
    this.prices[head + i] = price;
    this.quantities[head + i] = quantity;
    this.count = n + 1;
  }

  /** Removes the level at `key`; removing an absent level is harmless (venues do it routinely). */
  remove(key: number): void {
    const i = this.lowerBound(key);
    const n = this.count;
    const head = this.head;
    const keys = this.keys;
    if (i >= n || keys[head + i] !== key) return;
    const prices = this.prices;
    const quantities = this.quantities;
    if (i < n - 1 - i) {
      // The i levels below it move one slot up; the head follows.
      keys.copyWithin(head + 1, head, head + i);
      for (let j = head + i; j > head; j--) {
        prices[j] = prices[j - 1];
        quantities[j] = quantities[j - 1];
      }
      prices[head] = '';
      quantities[head] = '';
      this.head = head + 1;
    } else {
      keys.copyWithin(head + i, head + i + 1, head + n);
      for (let j = head + i; j < head + n - 1; j++) {
        prices[j] = prices[j + 1];
        quantities[j] = quantities[j + 1];
      }
      prices[head + n - 1] = '';
      quantities[head + n - 1] = '';
    }
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
    this.release(this.head, this.head + drop);
    this.head += drop;
    this.count = keep;
    // With nothing kept, every remaining level is unknown: trust nothing below +Infinity.
    const keptWorst = keep > 0 ? this.keys[this.head] : Number.POSITIVE_INFINITY;
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
    return this.count > 0 ? this.keys[this.head + this.count - 1] : Number.NaN;
  }

  bestPrice(): string | undefined {
    return this.count > 0 ? this.prices[this.head + this.count - 1] : undefined;
  }

  bestQuantity(): string | undefined {
    return this.count > 0 ? this.quantities[this.head + this.count - 1] : undefined;
  }

  /** The `i`-th best level's price (0 = best); undefined past the end. */
  priceAt(i: number): string | undefined {
    return i < this.count ? this.prices[this.head + this.count - 1 - i] : undefined;
  }

  quantityAt(i: number): string | undefined {
    return i < this.count ? this.quantities[this.head + this.count - 1 - i] : undefined;
  }

  /** Up to `n` best levels, best first, as fresh `[price, quantity]` tuples. */
  top(n: number): [string, string][] {
    const m = Math.min(n, this.count);
    const out: [string, string][] = new Array(m);
    const last = this.head + this.count - 1;
    for (let i = 0; i < m; i++) out[i] = [this.prices[last - i], this.quantities[last - i]];
    return out;
  }

  /**
   * Makes room at both ends: the levels move to the middle of the arrays, grown to twice the size when
   * less than a quarter of them (or fewer than 2 slots) would be free. Returns the new head.
   */
  private recentre(): number {
    const n = this.count;
    const from = this.head;
    const keys = this.keys;
    const prices = this.prices;
    const quantities = this.quantities;
    const capacity = keys.length - n < Math.max(2, keys.length >> 2) ? keys.length * 2 : keys.length;
    const head = (capacity - n) >> 1;
    const nextKeys = new Float64Array(capacity);
    const nextPrices = new Array<string>(capacity).fill('');
    const nextQuantities = new Array<string>(capacity).fill('');
    nextKeys.set(keys.subarray(from, from + n), head);
    for (let i = 0; i < n; i++) {
      nextPrices[head + i] = prices[from + i];
      nextQuantities[head + i] = quantities[from + i];
    }
    this.keys = nextKeys;
    this.prices = nextPrices;
    this.quantities = nextQuantities;
    this.head = head;
    return head;
  }

  /** New empty arrays of `capacity` slots. */
  private allocate(capacity: number): void {
    this.keys = new Float64Array(capacity);
    this.prices = new Array<string>(capacity).fill('');
    this.quantities = new Array<string>(capacity).fill('');
    this.head = capacity >> 1;
    this.count = 0;
  }

  /** Frees slots [from, to) so that they hold no venue string. */
  private release(from: number, to: number): void {
    this.prices.fill('', from, to);
    this.quantities.fill('', from, to);
  }
}
