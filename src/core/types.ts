/**
 * Normalized market-data types shared by every venue connector, the book engine and the server.
 * Venue folders translate their wire formats into these; nothing downstream knows a venue's format.
 */

/**
 * A venue id (`binance`, `okx`…), lowercase, as clients see it on the wire. Which venues exist is the
 * VENUES list's business (src/exchanges/venues.ts): nothing below the venues names one.
 */
export type Exchange = string;

/** A book's identity, `exchange:SYMBOL`, e.g. `binance:BTCUSDT`. */
export type BookKey = `${Exchange}:${string}`;

export function bookKey(exchange: Exchange, symbol: string): BookKey {
  return `${exchange}:${symbol}`;
}

/**
 * One price level exactly as the venue wrote it: `[price, quantity]`, both decimal strings.
 * This is also the venues' own JSON shape, so parsed frames flow into the engine without copying.
 */
export type PriceLevel = readonly [price: string, quantity: string];

export type Side = 'buy' | 'sell';

interface EventBase {
  readonly exchange: Exchange;
  readonly symbol: string;
  /** Venue event time (ms since epoch), as stamped by the venue. */
  readonly venueTs: number;
  /** Local receive time (ms since epoch, `Date.now()` when the frame arrived). */
  readonly localTs: number;
}

/** A full book that replaces whatever was there. */
export interface BookSnapshotEvent extends EventBase {
  readonly type: 'book_snapshot';
  readonly bids: readonly PriceLevel[];
  readonly asks: readonly PriceLevel[];
  /** The venue's update id this snapshot is consistent with. */
  readonly updateId: number;
  /** The venue's checksum of the book after this event (non-zero only); the pipeline verifies it. */
  readonly checksum?: number;
  /**
   * When the venue caps snapshots at a fixed number of levels a side (Binance REST: 1,000),
   * that cap. A side that arrives with this many levels is truncated: deeper levels are unknown.
   * Undefined when the snapshot is the venue's whole book (Bybit's depth window).
   */
  readonly depthLimit?: number;
}

/** Absolute new quantities for some levels; a zero quantity removes the level. */
export interface BookDeltaEvent extends EventBase {
  readonly type: 'book_delta';
  readonly bids: readonly PriceLevel[];
  readonly asks: readonly PriceLevel[];
  /** First venue update id covered by this delta (Binance `U`; Bybit: same as `updateId`). */
  readonly firstUpdateId: number;
  /** Last venue update id covered by this delta (Binance `u`, Bybit `u`). */
  readonly updateId: number;
  /** The previous delta's `updateId` when the venue says so (Binance `pu`). */
  readonly prevUpdateId?: number;
  /** The venue's checksum of the book after this event (non-zero only); the pipeline verifies it. */
  readonly checksum?: number;
}

export interface TradeEvent extends EventBase {
  readonly type: 'trade';
  readonly tradeId: string;
  readonly price: string;
  readonly quantity: string;
  /** The taker's (aggressor's) side. */
  readonly side: Side;
}

export type BookEvent = BookSnapshotEvent | BookDeltaEvent;
export type MarketEvent = BookSnapshotEvent | BookDeltaEvent | TradeEvent;
