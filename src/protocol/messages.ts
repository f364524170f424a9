/**
 * FlowRS's client protocol: JSON text frames, each with a `type`. Types only, shared by the server
 * (which builds these messages) and every client (src/client/, the dashboard, users' own code).
 */
import type { Exchange, Side } from '../core/types.js';
import type { ConsolidatedLevel } from './consolidate.js';
import type { Metrics } from './metrics.js';

export type { Exchange, Side };

/** How far to trust a book: `live` (in sync), `stale` (in sync, no recent event), `syncing`, `resyncing`. */
export type BookStatus = 'syncing' | 'live' | 'resyncing' | 'stale';

export interface PriceLevelJson {
  readonly price: string;
  readonly quantity: string;
}

/** One book as clients see it: the top levels, exact strings, and how far to trust them. */
export interface OrderBookView {
  readonly exchange: Exchange;
  /** The venue's own symbol (`BTCUSDT`, `BTC-USDT-SWAP`, `BTC`). */
  readonly symbol: string;
  /** The canonical instrument (`BTC-USDT`), once the venue's instrument list has told; books of one instrument merge. */
  readonly instrument?: string;
  /** Quantities are base units (converted exactly from the venue's contracts where it counts contracts). */
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

/**
 * One symbol across venues: levels merged by price with exact summed quantities and each venue's share.
 * Only `live` and `stale` books contribute; the others are listed in `sources` with `included: false`.
 */
export interface ConsolidatedBookView {
  /** The canonical instrument asked for (`BTC-USDT`). */
  readonly symbol: string;
  /** The quote currencies merged: one, unless dollar stablecoins were merged on request (`?quotes=usd`). */
  readonly quotes?: readonly string[];
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
    /** The venue's own symbol for the instrument. */
    readonly symbol?: string;
    readonly status: BookStatus;
    readonly included: boolean;
    readonly updateId: number;
    readonly timestamp: number;
  }[];
}
