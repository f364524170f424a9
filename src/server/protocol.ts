/**
 * FlowRS's client protocol: JSON text frames, each with a `type`. These types are exported so
 * TypeScript clients get the protocol for free (see src/client/).
 */
import type { BookStatus, ManagedBook } from '../book/book-manager.js';
import { type ConsolidatedLevel, consolidateLevels, type VenueLevels } from '../book/consolidate.js';
import { priceKey, spreadBps } from '../core/decimal.js';
import type { Exchange, Side, TradeEvent } from '../core/types.js';
import type { Metrics } from '../metrics/metrics-engine.js';

export type { BookStatus, ConsolidatedLevel, Metrics };

export interface PriceLevelJson {
  readonly price: string;
  readonly quantity: string;
}

/** One book as clients see it: the top levels, exact strings, and how far to trust them. */
export interface OrderBookView {
  readonly exchange: Exchange;
  readonly symbol: string;
  readonly bids: PriceLevelJson[];
  readonly asks: PriceLevelJson[];
  readonly bestBid: string | null;
  readonly bestAsk: string | null;
  readonly spreadBps: number | null;
  readonly status: BookStatus;
  /** Why the book is resyncing, when it is. */
  readonly reason?: string;
  /** The venue update id the levels are consistent with. */
  readonly updateId: number;
  /** Venue time of the last applied event (ms since epoch). */
  readonly timestamp: number;
  /** Increases on every change to this book; a gap means updates were conflated. */
  readonly sequence: number;
}

export interface SnapshotMessage {
  readonly type: 'snapshot';
  /**
   * `connect` on a new connection; `lag` after a slow client drained its backlog; `subscribe` after the
   * client changed its selection of books.
   */
  readonly reason: 'connect' | 'lag' | 'subscribe';
  /** The client's selected books (all of them unless it subscribed to some). */
  readonly orderbooks: OrderBookView[];
  readonly metrics: Metrics;
  /** True when the data comes from the venue simulator. */
  readonly simulated: boolean;
}

export interface OrderBookMessage extends OrderBookView {
  readonly type: 'orderbook';
}

export interface TradeMessage {
  readonly type: 'trade';
  readonly exchange: Exchange;
  readonly symbol: string;
  readonly tradeId: string;
  readonly price: string;
  readonly quantity: string;
  /** The taker's side. */
  readonly side: Side;
  readonly timestamp: number;
}

export type MetricsMessage = { readonly type: 'metrics' } & Metrics;

export interface PongMessage {
  readonly type: 'pong';
  readonly timestamp: number;
}

/** Stable error codes (the ws pattern): match on `code`, show `message`. */
export type ErrorCode =
  | 'FLOWRS_BAD_JSON'
  | 'FLOWRS_BAD_MESSAGE'
  | 'FLOWRS_UNKNOWN_TYPE'
  | 'FLOWRS_UNKNOWN_BOOK'
  | 'FLOWRS_RATE_LIMIT';

export interface ErrorMessage {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
}

export type ServerMessage =
  | SnapshotMessage
  | OrderBookMessage
  | TradeMessage
  | MetricsMessage
  | PongMessage
  | ErrorMessage;

/**
 * Receive book updates and trades only for these books (`exchange:SYMBOL`, exchange case-insensitive),
 * or for every book with `"*"` (the default). Metrics are always sent. Answered with a `snapshot`
 * (reason `subscribe`) of the selection; a request naming an unknown book changes nothing and is
 * answered with `FLOWRS_UNKNOWN_BOOK`. The same selection can be made at connect time: `/?books=a,b`.
 */
export interface SubscribeMessage {
  readonly type: 'subscribe';
  readonly books: readonly string[] | '*';
}

/** What a client may send. */
export type ClientMessage = { readonly type: 'ping' } | SubscribeMessage;

/** Most books one selection may name. */
export const MAX_SELECTED_BOOKS = 1_000;

/** Validates a selection's shape (not whether the books exist): the names, `'*'`, or why it is invalid. */
export function parseBookSelection(value: unknown): readonly string[] | '*' | { invalid: string } {
  if (value === '*') return '*';
  if (!Array.isArray(value)) return { invalid: '"books" must be "*" or an array of "exchange:SYMBOL" strings' };
  if (value.length > MAX_SELECTED_BOOKS) return { invalid: `at most ${MAX_SELECTED_BOOKS} books` };
  for (const name of value) {
    if (typeof name !== 'string' || name.length > 100 || !/^[^:]+:[^:]+$/.test(name)) {
      return { invalid: `not an "exchange:SYMBOL" name: ${JSON.stringify(name)?.slice(0, 60)}` };
    }
  }
  return value as string[];
}

/** Largest client frame accepted; larger ones close the connection with 1009 (control messages are tiny). */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;
/** Client messages allowed per second; more closes the connection with 1008. */
export const MAX_CLIENT_MESSAGES_PER_SECOND = 50;
/** Close codes FlowRS uses. */
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_POLICY = 1008;
export const CLOSE_GOING_AWAY = 1001;

export function bookView(book: ManagedBook, depth: number, now = Date.now()): OrderBookView {
  const top = book.book.top(depth);
  const status = book.status(now);
  const reason = book.resyncReason();
  return {
    exchange: book.exchange,
    symbol: book.symbol,
    bids: top.bids.map(([price, quantity]) => ({ price, quantity })),
    asks: top.asks.map(([price, quantity]) => ({ price, quantity })),
    bestBid: top.bids[0]?.[0] ?? null,
    bestAsk: top.asks[0]?.[0] ?? null,
    spreadBps: book.book.spreadBps() ?? null,
    status,
    ...(reason !== undefined ? { reason } : {}),
    updateId: book.updateId,
    timestamp: book.venueTs,
    sequence: book.sequence,
  };
}

export function tradeMessage(t: TradeEvent): TradeMessage {
  return {
    type: 'trade',
    exchange: t.exchange,
    symbol: t.symbol,
    tradeId: t.tradeId,
    price: t.price,
    quantity: t.quantity,
    side: t.side,
    timestamp: t.venueTs,
  };
}

/**
 * One symbol across venues: levels merged by price with exact summed quantities and each venue's share.
 * Only `live` and `stale` books contribute; the others are listed in `sources` with `included: false`.
 */
export interface ConsolidatedBookView {
  readonly symbol: string;
  readonly bids: ConsolidatedLevel[];
  readonly asks: ConsolidatedLevel[];
  /** The best bid across venues and the venues quoting it. */
  readonly bestBid: { readonly price: string; readonly exchanges: Exchange[] } | null;
  readonly bestAsk: { readonly price: string; readonly exchanges: Exchange[] } | null;
  /** Across venues, in basis points of the mid; negative when crossed. */
  readonly spreadBps: number | null;
  /** One venue's best bid ≥ another's best ask: an opportunity or a lagging venue, never a single book's error. */
  readonly crossed: boolean;
  /** `live`: every venue contributes; `stale`: all contribute, some without recent data; `partial`: some
   * venues are left out (syncing or resyncing); `syncing`: none can contribute yet. */
  readonly status: 'live' | 'stale' | 'partial' | 'syncing';
  readonly sources: {
    readonly exchange: Exchange;
    readonly status: BookStatus;
    readonly included: boolean;
    readonly updateId: number;
    readonly timestamp: number;
  }[];
}

/** A venue's book as consolidation sees it: its levels, and its state (which decides whether they count). */
export interface ConsolidationSource extends VenueLevels {
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
      status: s.status,
      included: included.includes(s),
      updateId: s.updateId,
      timestamp: s.timestamp,
    })),
  };
}

/** The server's consolidated view, from its own books at any retained depth. */
export function consolidatedView(
  symbol: string,
  books: readonly ManagedBook[],
  depth: number,
  now = Date.now(),
): ConsolidatedBookView {
  return buildConsolidatedView(
    symbol,
    books.map((book) => {
      const top = book.book.top(depth);
      return {
        exchange: book.exchange,
        status: book.status(now),
        updateId: book.updateId,
        timestamp: book.venueTs,
        bids: top.bids,
        asks: top.asks,
        bidsComplete: !book.book.bids.isTruncated(),
        asksComplete: !book.book.asks.isTruncated(),
      };
    }),
    depth,
  );
}
