import type { InvalidFrameReason } from '../../core/sink.js';
import type { BookEvent, PriceLevel, Side } from '../../core/types.js';

/**
 * What every venue's parser turns a wire frame into: one tagged union shared by all venues, so the
 * connector base, the sequencers and the tests handle every venue the same way.
 *
 * Sizes are the venue's raw sizes (contracts where the venue counts contracts); the book keeps them as
 * sent, and every quantity served to a client is converted to base units exactly (see
 * core/instrument.ts), so checksums can still be computed over the venue's own strings.
 */
export type VenueFrame = BookFrame | TradesFrame | AckFrame | PongFrame | IgnoredFrame | InvalidFrame;

/** One book message. */
export interface BookFrame {
  readonly kind: 'book';
  /** The venue's own symbol (`BTC-USDT-SWAP`, `BTC_USDT`, `BTC`). */
  readonly symbol: string;
  /**
   * `snapshot` replaces the whole book (an in-band snapshot, a re-sent full book, or a venue whose every
   * message is a whole picture); `update` sets the listed levels (a zero size deletes).
   */
  readonly action: 'snapshot' | 'update';
  readonly bids: readonly PriceLevel[];
  readonly asks: readonly PriceLevel[];
  /**
   * The venue's sequence fields, mapped onto one shape: Binance `U`/`u`/`pu`; Bybit `u`; OKX
   * `seqId`/`prevSeqId` (-1 on a snapshot, kept distinct from 0); Gate `U`/`u`; Bitget `seq`/`pseq`;
   * Hyperliquid (unsequenced) its `time`. `firstUpdateId` equals `updateId` where the venue has one id.
   */
  readonly firstUpdateId: number;
  readonly updateId: number;
  readonly prevUpdateId?: number;
  /** The venue's checksum of the book after this message, when it sends a non-zero one. */
  readonly checksum?: number;
  /** Venue event time, ms since epoch. */
  readonly venueTs: number;
  /**
   * Levels a side the venue caps this book at (Binance REST 1,000; Hyperliquid 20): a side with that
   * many levels is truncated and exact only down to its last one. Undefined: the venue's whole window.
   */
  readonly depthLimit?: number;
}

export interface TradeFrame {
  readonly tradeId: string;
  readonly price: string;
  /** Raw size (contracts where the venue counts contracts). */
  readonly size: string;
  /** The taker's side. */
  readonly side: Side;
  readonly venueTs: number;
}

export interface TradesFrame {
  readonly kind: 'trades';
  readonly symbol: string;
  readonly trades: readonly TradeFrame[];
  /**
   * Recent past trades the venue sends right after a subscription (Hyperliquid, Bitget `snapshot`):
   * they are not new and are never forwarded as such.
   */
  readonly history?: boolean;
}

/** The venue's answer to a subscribe or unsubscribe request (one per request, or one per topic). */
export interface AckFrame {
  readonly kind: 'ack';
  readonly op: 'subscribe' | 'unsubscribe';
  readonly ok: boolean;
  /** The topics it answers for, when the venue names them (else the request id identifies them). */
  readonly topics: readonly string[];
  readonly requestId?: string;
  /** The venue's error code and text, when refused. */
  readonly code?: string;
  readonly message?: string;
  /** Refused because the venue does not list the instrument: never retry it. */
  readonly unknownSymbol?: boolean;
  /** Refused because it is already subscribed: not an error, and not a gap. */
  readonly alreadySubscribed?: boolean;
}

export interface PongFrame {
  readonly kind: 'pong';
}

/** A well-formed frame FlowRS does not use (other channels, greetings, heartbeats). */
export interface IgnoredFrame {
  readonly kind: 'ignored';
  readonly what: string;
}

export interface InvalidFrame {
  readonly kind: 'invalid';
  readonly reason: InvalidFrameReason;
  /** For the log line only. */
  readonly detail: string;
}

/** The normalized event a sequenced book frame becomes (the book is named by `exchange` and `symbol`). */
export function bookEventOf(exchange: string, symbol: string, frame: BookFrame, localTs: number): BookEvent {
  const base = {
    exchange,
    symbol,
    bids: frame.bids,
    asks: frame.asks,
    updateId: frame.updateId,
    venueTs: frame.venueTs,
    localTs,
    checksum: frame.checksum,
  };
  return frame.action === 'snapshot'
    ? { type: 'book_snapshot', ...base, depthLimit: frame.depthLimit }
    : { type: 'book_delta', ...base, firstUpdateId: frame.firstUpdateId, prevUpdateId: frame.prevUpdateId };
}
