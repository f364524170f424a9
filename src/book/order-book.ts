import { classifyQuantity, decimalMid, decimalSub, decimalSum, priceKey, spreadBps } from '../core/decimal.js';
import type { PriceLevel } from '../core/types.js';
import { BookSide } from './book-side.js';
import { InvalidLevelError } from './errors.js';

/** Levels kept a side at least (the original's ORDERBOOK_DEPTH). */
export const DEFAULT_BOOK_DEPTH = 100;
/**
 * A side is trimmed once it holds more than `depth × DEFAULT_TRIM_FACTOR` levels, back to half that
 * (never below `depth`). Trimming bounds memory (diffs keep adding deep levels as they are touched), and
 * trimming to half rather than to `depth` leaves a wide trusted margin, so an ordinary price move does
 * not exhaust the trusted levels and force a resync.
 */
export const DEFAULT_TRIM_FACTOR = 10;

export interface OrderBookOptions {
  /** Levels kept a side at least. Default DEFAULT_BOOK_DEPTH. */
  readonly depth?: number;
  /** Trim when a side exceeds depth × trimFactor (back to half that). Default DEFAULT_TRIM_FACTOR. */
  readonly trimFactor?: number;
}

export type BookSideName = 'bids' | 'asks';

/**
 * An exact L2 book for one instrument: the venue's own price and quantity strings, ordered by an
 * exact numeric key (see core/decimal.ts). Updates are validated in full before any level changes,
 * so a malformed frame can never leave the book half-applied.
 */
export class OrderBook {
  readonly depth: number;
  readonly trimFactor: number;
  readonly bids = new BookSide();
  readonly asks = new BookSide();
  /** Scratch space for the keys of the delta being applied: validation and apply share one parse. */
  private scratch = new Float64Array(64);
  private scratchZero = new Uint8Array(64);

  constructor(options: OrderBookOptions = {}) {
    this.depth = options.depth ?? DEFAULT_BOOK_DEPTH;
    this.trimFactor = options.trimFactor ?? DEFAULT_TRIM_FACTOR;
    if (!Number.isInteger(this.depth) || this.depth < 1) throw new RangeError(`depth must be a positive integer`);
    if (!(this.trimFactor >= 1)) throw new RangeError(`trimFactor must be >= 1`);
  }

  /**
   * Replaces the whole book. Zero-quantity levels are ignored, duplicates keep the last one.
   * `depthLimit`: the venue's snapshot cap; a side that arrives with that many levels is truncated
   * and the book is exact only down to its worst level.
   * @throws InvalidLevelError (book unchanged)
   */
  applySnapshot(bids: readonly PriceLevel[], asks: readonly PriceLevel[], depthLimit?: number): void {
    const bidSide = prepareSnapshotSide(bids, 'bid', 1);
    const askSide = prepareSnapshotSide(asks, 'ask', -1);
    const limit = depthLimit ?? Number.POSITIVE_INFINITY;
    this.bids.reset(bidSide.keys, bidSide.prices, bidSide.quantities, bids.length >= limit);
    this.asks.reset(askSide.keys, askSide.prices, askSide.quantities, asks.length >= limit);
    this.trimIfNeeded();
  }

  /**
   * Applies absolute quantities; a zero quantity (in any spelling) deletes the level.
   * @throws InvalidLevelError (book unchanged)
   */
  applyDelta(bids: readonly PriceLevel[], asks: readonly PriceLevel[]): void {
    const nb = bids.length;
    const total = nb + asks.length;
    if (this.scratch.length < total) {
      this.scratch = new Float64Array(total * 2);
      this.scratchZero = new Uint8Array(total * 2);
    }
    const keys = this.scratch;
    const zero = this.scratchZero;
    // Pass 1: validate everything and remember each level's key and whether it deletes.
    for (let i = 0; i < total; i++) {
      const bid = i < nb;
      const level = bid ? bids[i] : asks[i - nb];
      if (!Array.isArray(level) || level.length < 2) throw new InvalidLevelError(bid ? 'bid' : 'ask', level, 'shape');
      const price = level[0];
      const quantity = level[1];
      const key = typeof price === 'string' ? priceKey(price) : Number.NaN;
      if (Number.isNaN(key)) throw new InvalidLevelError(bid ? 'bid' : 'ask', level, 'price');
      const q = typeof quantity === 'string' ? classifyQuantity(quantity) : -1;
      if (q === -1) throw new InvalidLevelError(bid ? 'bid' : 'ask', level, 'quantity');
      keys[i] = bid ? key : -key;
      zero[i] = q === 0 ? 1 : 0;
    }
    // Pass 2: apply. Nothing below can fail.
    for (let i = 0; i < total; i++) {
      const bid = i < nb;
      const level = bid ? bids[i] : asks[i - nb];
      const side = bid ? this.bids : this.asks;
      if (zero[i] === 1) side.remove(keys[i]);
      else side.upsert(keys[i], level[0], level[1]);
    }
    this.trimIfNeeded();
  }

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** Levels a side keeps after a trim. */
  get trimmedSize(): number {
    return Math.max(this.depth, Math.floor((this.depth * this.trimFactor) / 2));
  }

  private trimIfNeeded(): void {
    const max = this.depth * this.trimFactor;
    if (this.bids.size > max) this.bids.trimTo(this.trimmedSize);
    if (this.asks.size > max) this.asks.trimTo(this.trimmedSize);
  }

  bestBid(): PriceLevel | undefined {
    const p = this.bids.bestPrice();
    return p === undefined ? undefined : [p, this.bids.bestQuantity()!];
  }

  bestAsk(): PriceLevel | undefined {
    const p = this.asks.bestPrice();
    return p === undefined ? undefined : [p, this.asks.bestQuantity()!];
  }

  /** Up to `n` best levels of each side, best first, limited to the trusted levels. */
  top(n: number): { bids: [string, string][]; asks: [string, string][] } {
    return {
      bids: this.bids.top(Math.min(n, this.bids.trustedDepth())),
      asks: this.asks.top(Math.min(n, this.asks.trustedDepth())),
    };
  }

  /** Levels known to be exact on the thinner side, counted from the touch. */
  trustedDepth(): number {
    return Math.min(this.bids.trustedDepth(), this.asks.trustedDepth());
  }

  /** Best bid >= best ask: the book cannot be the venue's and must not be served as live. */
  isCrossed(): boolean {
    const bid = this.bids.bestKey();
    const ask = this.asks.bestKey();
    return bid >= -ask; // NaN (an empty side) compares false
  }

  /** Exact best ask − best bid, or undefined when a side is empty. */
  spread(): string | undefined {
    const bid = this.bids.bestPrice();
    const ask = this.asks.bestPrice();
    return bid === undefined || ask === undefined ? undefined : decimalSub(ask, bid);
  }

  /** Exact (best bid + best ask) / 2, or undefined when a side is empty. */
  mid(): string | undefined {
    const bid = this.bids.bestPrice();
    const ask = this.asks.bestPrice();
    return bid === undefined || ask === undefined ? undefined : decimalMid(bid, ask);
  }

  /** Spread in basis points of the mid (a float: a display figure, not a price). */
  spreadBps(): number | undefined {
    return spreadBps(this.bids.bestKey(), -this.asks.bestKey());
  }

  /** Exact total quantity of the best `n` trusted levels of one side. */
  sizeWithin(side: BookSideName, n: number): string {
    const s = this[side];
    const m = Math.min(n, s.trustedDepth(), s.size);
    const quantities: string[] = [];
    for (let i = 0; i < m; i++) quantities.push(s.quantityAt(i)!);
    return decimalSum(quantities);
  }
}

interface PreparedSide {
  keys: Float64Array;
  prices: string[];
  quantities: string[];
}

/** Validates snapshot levels and orders them ascending by key (bids: price, asks: −price). */
function prepareSnapshotSide(levels: readonly PriceLevel[], side: 'bid' | 'ask', sign: 1 | -1): PreparedSide {
  const entries: { key: number; price: string; quantity: string }[] = [];
  for (const level of levels) {
    if (!Array.isArray(level) || level.length < 2) throw new InvalidLevelError(side, level, 'shape');
    const [price, quantity] = level;
    const key = typeof price === 'string' ? priceKey(price) : Number.NaN;
    if (Number.isNaN(key)) throw new InvalidLevelError(side, level, 'price');
    const q = typeof quantity === 'string' ? classifyQuantity(quantity) : -1;
    if (q === -1) throw new InvalidLevelError(side, level, 'quantity');
    if (q === 0) continue;
    entries.push({ key: sign * key, price, quantity });
  }
  // Venues send best-first, which is our order reversed; a stable sort keeps "last duplicate wins" simple.
  entries.reverse();
  let sorted = true;
  for (let i = 1; i < entries.length; i++) {
    if (entries[i - 1].key >= entries[i].key) {
      sorted = false;
      break;
    }
  }
  if (!sorted) {
    // Reverse again so that equal keys keep input order, then sort stably and keep the last of each key.
    entries.reverse();
    entries.sort((a, b) => a.key - b.key);
    const unique: typeof entries = [];
    for (const e of entries) {
      if (unique.length > 0 && unique[unique.length - 1].key === e.key) unique[unique.length - 1] = e;
      else unique.push(e);
    }
    entries.length = 0;
    entries.push(...unique);
  }
  const keys = new Float64Array(entries.length);
  const prices: string[] = new Array(entries.length);
  const quantities: string[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    keys[i] = entries[i].key;
    prices[i] = entries[i].price;
    quantities[i] = entries[i].quantity;
  }
  return { keys, prices, quantities };
}
