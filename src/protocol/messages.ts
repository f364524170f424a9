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

/** The protocol this server speaks; see the README for what is stable and how breaking changes come. */
export const PROTOCOL_VERSION = 2;

/** The server's limits, as the snapshot states them (a client can size its requests by them). */
export interface ServerLimits {
  /** Most books (names) one selection may hold. */
  readonly maxSelectedBooks: number;
  /** Most instruments one client may follow consolidated. */
  readonly maxConsolidated: number;
  /** Most books a client may have FlowRS start following for it (books on demand). */
  readonly maxOnDemandBooksPerClient: number;
  /** Most books followed on demand at once, for all clients together (`FLOWRS_MAX_DYNAMIC_BOOKS`). */
  readonly maxOnDemandBooks: number;
  /** Largest client frame in bytes; larger ones close the connection with 1009. */
  readonly maxClientMessageBytes: number;
  /** Client messages a second; more close the connection with 1008. */
  readonly maxClientMessagesPerSecond: number;
  /** A book changes on the wire at most once per this many ms (top and delta mode alike). */
  readonly throttleMs: number;
  /** Levels a side in `orderbook` messages (top mode). */
  readonly displayDepth: number;
  /** The deepest `depth` a delta-mode subscription may ask for. */
  readonly maxDepth: number;
}

export interface SnapshotMessage {
  readonly type: 'snapshot';
  /**
   * `connect` on a new connection; `lag` after a slow client drained its backlog; `subscribe` after the
   * client changed its selection.
   */
  readonly reason: 'connect' | 'lag' | 'subscribe';
  /** PROTOCOL_VERSION of the server. */
  readonly protocol: number;
  readonly limits: ServerLimits;
  /** How the client receives its books: `top` (a full top-N view per change) or `delta`. */
  readonly mode: 'top' | 'delta';
  /** Top mode: the client's selected books (all of them unless it subscribed to some); empty in delta mode. */
  readonly orderbooks: OrderBookView[];
  /** Delta mode: each selected book's state at its stream's sequence; empty in top mode. */
  readonly books: BookMessage[];
  /** The instruments the client follows consolidated. */
  readonly consolidated: ConsolidatedBookView[];
  readonly metrics: Metrics;
  /** True when the data comes from the venue simulator. */
  readonly simulated: boolean;
}

/** One price level as delta mode sends it: `[price, quantity]`, exact strings; quantity `"0"` removes it. */
export type Level = readonly [price: string, quantity: string];

/** Fields every delta-mode message about a book carries. */
interface DeltaBookFields {
  readonly exchange: Exchange;
  readonly symbol: string;
  /** Levels a side this stream keeps: the client's copy holds the best `depth` levels a side, no more. */
  readonly depth: number;
  /** Per book and depth, +1 on every `delta`: a client that sees a jump, or a checksum it cannot match, asks for a snapshot. */
  readonly sequence: number;
  readonly status: BookStatus;
  readonly reason?: string;
  readonly updateId: number;
  readonly timestamp: number;
  /** bookChecksum() of the book's top `depth` levels after this message; see the README for the format. */
  readonly checksum: number;
}

/** Delta mode: one book's whole state at `sequence` (after subscribing, on lag, or when asked with `resync`). */
export interface BookMessage extends DeltaBookFields {
  readonly type: 'book';
  /** The canonical instrument, once known. */
  readonly instrument?: string;
  readonly bids: Level[];
  readonly asks: Level[];
}

/**
 * Delta mode: the levels that changed since `sequence - 1` (quantity `"0"` removes one; a level leaving
 * the top `depth` is removed, one entering it is added). Apply only on top of `sequence - 1`; ignore
 * messages with a sequence at or below the copy's.
 */
export interface BookDeltaMessage extends DeltaBookFields {
  readonly type: 'delta';
  readonly bids: Level[];
  readonly asks: Level[];
}

/** A followed instrument's consolidated book, pushed on the same per-book throttle. */
export type ConsolidatedMessage = { readonly type: 'consolidated' } & ConsolidatedBookView;

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
  | 'FLOWRS_LIMIT'
  | 'FLOWRS_UNAVAILABLE'
  | 'FLOWRS_RATE_LIMIT';

export interface ErrorMessage {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  /** The names the error is about (unknown books, books over a limit), when it is about some. */
  readonly books?: readonly string[];
}

export type ServerMessage =
  | SnapshotMessage
  | OrderBookMessage
  | BookMessage
  | BookDeltaMessage
  | ConsolidatedMessage
  | TradeMessage
  | MetricsMessage
  | PongMessage
  | ErrorMessage;

/**
 * Sets what the client receives; each field given replaces the current one, a field left out keeps it.
 * Answered with a `snapshot` (reason `subscribe`); a request that cannot be met in full changes nothing
 * and is answered with an `error` (`FLOWRS_UNKNOWN_BOOK`, `FLOWRS_LIMIT`, `FLOWRS_UNAVAILABLE`,
 * `FLOWRS_BAD_MESSAGE`). Metrics are always sent. The same can be asked at connect time:
 * `/?books=a,b&consolidated=BTC-USDT&mode=delta&depth=100`.
 */
export interface SubscribeMessage {
  readonly type: 'subscribe';
  /**
   * Book updates and trades for these books, or for every followed book with `"*"` (the default). A name
   * is one venue's book, `exchange:SYMBOL` (exchange case-insensitive), or a canonical instrument
   * (`ETH-USDT`: its book on every enabled venue listing it). A book not followed yet is followed on
   * demand when the venue lists it.
   */
  readonly books?: readonly string[] | '*';
  /** Canonical instruments (`BTC-USDT`) whose consolidated book is pushed; their venue books are followed on demand. */
  readonly consolidated?: readonly string[];
  /** `top` (default): a full top-`displayDepth` view per change. `delta`: a `book` snapshot, then `delta`s. */
  readonly mode?: 'top' | 'delta';
  /** Delta mode: levels a side (1 to `limits.maxDepth`, default `displayDepth`). */
  readonly depth?: number;
}

/** Delta mode: asks for a fresh `book` message for these books (the client's copy failed its checksum or sequence). */
export interface ResyncMessage {
  readonly type: 'resync';
  readonly books: readonly string[];
}

/** What a client may send. */
export type ClientMessage = { readonly type: 'ping' } | SubscribeMessage | ResyncMessage;

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
