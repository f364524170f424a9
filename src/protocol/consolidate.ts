/**
 * The consolidated book: one symbol's levels from several venues merged by price, quantities summed
 * exactly, with each venue's share. Pure functions over level arrays, so the server (from its books) and
 * clients (from the views they receive) merge the same way.
 *
 * Why it is exact: if every venue lists its own best `depth` levels, the best `depth` merged levels are
 * exact. A level in the true merged top `depth` has fewer than `depth` better levels on its own venue, so
 * that venue listed it. A venue that lists fewer levels than asked while more may exist (a trust boundary)
 * only vouches for prices down to its last listed level: the merge stops there.
 */
import { decimalSum, priceKey, spreadBps } from '../core/decimal.js';
import type { Exchange, PriceLevel } from '../core/types.js';
import type { BookStatus, ConsolidatedBookView } from './messages.js';

/** One venue's contribution: its best levels (best first) and whether each side may continue unseen. */
export interface VenueLevels {
  readonly exchange: Exchange;
  readonly bids: readonly PriceLevel[];
  readonly asks: readonly PriceLevel[];
  /** False when the venue may have more levels beyond those listed (the merge must stop at its last one). */
  readonly bidsComplete: boolean;
  readonly asksComplete: boolean;
}

export interface ConsolidatedLevel {
  /** The price as the first contributing venue (in the sources' order) wrote it. */
  readonly price: string;
  /** Exact sum of the venues' quantities at this price. */
  readonly quantity: string;
  readonly venues: { readonly exchange: Exchange; readonly quantity: string }[];
}

/** Merges the venues' levels into the best `depth` consolidated levels a side. */
export function consolidateLevels(
  sources: readonly VenueLevels[],
  depth: number,
): { bids: ConsolidatedLevel[]; asks: ConsolidatedLevel[] } {
  return {
    bids: mergeSide(sources, depth, 'bids'),
    asks: mergeSide(sources, depth, 'asks'),
  };
}

function mergeSide(sources: readonly VenueLevels[], depth: number, side: 'bids' | 'asks'): ConsolidatedLevel[] {
  // Bids: higher is better; asks: lower is better. `sign` turns both into "larger key is better".
  const sign = side === 'bids' ? 1 : -1;
  let worstVouched = Number.NEGATIVE_INFINITY;
  const byKey = new Map<number, { price: string; venues: { exchange: Exchange; quantity: string }[] }>();
  for (const source of sources) {
    const levels = source[side].slice(0, depth);
    const complete = side === 'bids' ? source.bidsComplete : source.asksComplete;
    if (!complete && levels.length < depth) {
      // Below its last listed level this venue may hold levels nobody has seen.
      const last = levels.length > 0 ? sign * priceKey(levels[levels.length - 1][0]) : Number.POSITIVE_INFINITY;
      worstVouched = Math.max(worstVouched, last);
    }
    for (const [price, quantity] of levels) {
      const key = sign * priceKey(price);
      const entry = byKey.get(key);
      if (entry === undefined) byKey.set(key, { price, venues: [{ exchange: source.exchange, quantity }] });
      else entry.venues.push({ exchange: source.exchange, quantity });
    }
  }
  const keys = [...byKey.keys()].filter((k) => k >= worstVouched).sort((a, b) => b - a);
  return keys.slice(0, depth).map((key) => {
    const { price, venues } = byKey.get(key)!;
    const quantity = venues.length === 1 ? venues[0].quantity : decimalSum(venues.map((v) => v.quantity));
    return { price, quantity, venues };
  });
}

/** A venue's book as consolidation sees it: its levels, and its state (which decides whether they count). */
export interface ConsolidationSource extends VenueLevels {
  /** The venue's own symbol, when the source says. */
  readonly symbol?: string;
  readonly status: BookStatus;
  readonly updateId: number;
  readonly timestamp: number;
}

/** The consolidated view of one symbol from its venues' books (only `live` and `stale` ones contribute). */
export function buildConsolidatedView(
  symbol: string,
  sources: readonly ConsolidationSource[],
  depth: number,
): ConsolidatedBookView {
  const included = sources.filter((s) => s.status === 'live' || s.status === 'stale');
  const { bids, asks } = consolidateLevels(included, depth);
  const best = (level: ConsolidatedLevel | undefined) =>
    level === undefined ? null : { price: level.price, exchanges: level.venues.map((v) => v.exchange) };
  const bid = bids[0] === undefined ? Number.NaN : priceKey(bids[0].price);
  const ask = asks[0] === undefined ? Number.NaN : priceKey(asks[0].price);
  return {
    symbol,
    bids,
    asks,
    bestBid: best(bids[0]),
    bestAsk: best(asks[0]),
    spreadBps: spreadBps(bid, ask) ?? null,
    crossed: bid >= ask,
    status:
      included.length === 0
        ? 'syncing'
        : included.length < sources.length
          ? 'partial'
          : included.some((s) => s.status === 'stale')
            ? 'stale'
            : 'live',
    sources: sources.map((s) => ({
      exchange: s.exchange,
      ...(s.symbol !== undefined ? { symbol: s.symbol } : {}),
      status: s.status,
      included: included.includes(s),
      updateId: s.updateId,
      timestamp: s.timestamp,
    })),
  };
}
