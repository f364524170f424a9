import type { Instrument } from './instrument.js';
import type { BookEvent, Exchange, TradeEvent } from './types.js';

/** Why a book is not live. */
export type ResyncReason =
  | 'gap'
  | 'crossed'
  | 'depth'
  | 'invalid_data'
  | 'disconnected'
  | 'venue_reset'
  | 'stale_snapshot'
  | 'subscription_failed'
  /** A periodic audit found the book different from a shadow copy built from scratch. */
  | 'audit_drift'
  /** The venue's checksum of its book differs from ours. */
  | 'checksum'
  /** The venue counts sizes in contracts and its instrument list (the contract sizes) cannot be had yet. */
  | 'instruments_unavailable'
  /** The venue does not list the symbol: nothing will be retried until the configuration changes. */
  | 'unknown_symbol';

/** Why the book engine stopped trusting a book after an update (it has already been applied). */
export type BookUnhealthy = 'crossed' | 'depth' | 'checksum';

/**
 * What became of a book event handed to the sink:
 * - `applied`: the book took it;
 * - `rejected`: malformed content, the book is unchanged (the connector must not advance its sequence);
 * - `crossed` / `depth`: applied, but the book can no longer be trusted (crossed, or a hole near the
 *   touch): the connector must resync the symbol, reporting this outcome as the reason.
 */
export type ApplyOutcome = 'applied' | 'rejected' | BookUnhealthy;

export function isUnhealthy(outcome: ApplyOutcome): outcome is BookUnhealthy {
  return outcome === 'crossed' || outcome === 'depth' || outcome === 'checksum';
}

/** Why a frame was dropped at the edge (the parser's `detail` says more, for logs only). */
export type InvalidFrameReason =
  /** The text is not JSON. */
  | 'not_json'
  /** JSON, but not a message shape the venue documents (unknown event, missing envelope). */
  | 'unknown_message'
  /** A documented message with a missing or mistyped field (ids, timestamps, symbol, side). */
  | 'bad_field'
  /** A price level that is not two exact decimal strings (or a negative, NaN, exponent...). */
  | 'bad_level';

export const INVALID_FRAME_REASONS: readonly InvalidFrameReason[] = [
  'not_json',
  'unknown_message',
  'bad_field',
  'bad_level',
];

/** Why a venue connection went down. */
export type DisconnectReason =
  /** It never opened: DNS, refused, TLS, or an HTTP answer instead of an upgrade. */
  | 'connect_failed'
  /** The venue (or the network) closed it. */
  | 'closed'
  /** No data frame within the data timeout (pongs alone do not count). */
  | 'no_data'
  /** A ping went unanswered. */
  | 'no_pong'
  /** A socket error ended it. */
  | 'error';

/** One venue connection's state, as a tagged union (the nats.js status pattern). */
export type ConnectionStatus =
  | { readonly type: 'connecting'; readonly attempt: number }
  | { readonly type: 'open'; readonly since: number }
  | {
      readonly type: 'reconnecting';
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: DisconnectReason;
      /** What a user can act on, e.g. `getaddrinfo ENOTFOUND fstream.binance.com` or `closed 1006`. */
      readonly detail: string;
    }
  | { readonly type: 'closed' };

/** The outcome of comparing a live book with a shadow copy built from scratch at the same update id. */
export interface BookAuditResult {
  /** When the comparison was made (ms since epoch). */
  readonly at: number;
  readonly updateId: number;
  /** Levels compared a side (the trusted depth both books share, capped). */
  readonly comparedLevels: number;
  /** Levels that differ (present on one side only, or with another quantity). 0 = the books agree. */
  readonly driftLevels: number;
  /** Up to a few differing levels, for the log line. */
  readonly sample: readonly AuditDifference[];
}

export interface AuditDifference {
  readonly side: 'bid' | 'ask';
  readonly price: string;
  readonly live: string | null;
  readonly shadow: string | null;
}

/**
 * A shadow book being built for an audit. The connector feeds it events sequenced exactly as a
 * resync would, and calls `compare()` once the shadow has reached the live book's update id.
 */
export interface AuditSession {
  book(event: BookEvent): ApplyOutcome;
  /** Compares the shadow with the live book, records the result, and ends the session. */
  compare(): BookAuditResult;
  /** Ends the session without a result (the connector gave up: a resync, a disconnect, a stop). */
  abort(): void;
}

/**
 * Where connectors deliver normalized data. Connectors sequence book events (they only hand over a
 * delta that follows the previous one) and report when a symbol's book must be repaired.
 */
export interface MarketSink {
  book(event: BookEvent): ApplyOutcome;
  trade(event: TradeEvent): void;
  /** The connector has started repairing (or is still waiting for) a symbol's book: the one path every resync is counted on. */
  bookResyncing(exchange: Exchange, symbol: string, reason: ResyncReason): void;
  /** A frame was dropped at the edge: the one path every invalid frame is counted on. */
  invalidFrame(exchange: Exchange, reason: InvalidFrameReason, detail?: string): void;
  /** A connection changed state (`name` identifies it within the venue, e.g. `public#0`). */
  connection(exchange: Exchange, name: string, status: ConnectionStatus): void;
  /** Starts building a shadow copy of a book for an audit. */
  openAudit(exchange: Exchange, symbol: string): AuditSession;
  /** The venue's listings FlowRS follows, with their canonical keys and exact contract sizes. */
  instruments(exchange: Exchange, instruments: readonly Instrument[]): void;
}
