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
  /** The venue does not list the symbol: nothing will be retried until the configuration changes. */
  | 'unknown_symbol';

/**
 * What became of a book event handed to the sink:
 * - `applied`: the book took it;
 * - `rejected`: malformed content, the book is unchanged (the connector must not advance its sequence);
 * - `unhealthy`: applied, but the book can no longer be trusted (crossed, or a hole near the touch):
 *   the connector must resync the symbol.
 */
export type ApplyOutcome = 'applied' | 'rejected' | 'unhealthy';

/** One venue connection's state, as a tagged union (the nats.js status pattern). */
export type ConnectionStatus =
  | { readonly type: 'connecting'; readonly attempt: number }
  | { readonly type: 'open'; readonly since: number }
  | { readonly type: 'reconnecting'; readonly attempt: number; readonly delayMs: number; readonly reason: string }
  | { readonly type: 'closed' };

/**
 * Where connectors deliver normalized data. Connectors sequence book events (they only hand over a
 * delta that follows the previous one) and report when a symbol's book must be repaired.
 */
export interface MarketSink {
  book(event: BookEvent): ApplyOutcome;
  trade(event: TradeEvent): void;
  /** The connector has started repairing (or is still waiting for) a symbol's book. */
  bookResyncing(exchange: Exchange, symbol: string, reason: ResyncReason): void;
  /** A frame was dropped at the edge: malformed, or an unexpected shape. */
  invalidFrame(exchange: Exchange, reason: string): void;
  /** A connection changed state (`name` identifies it within the venue, e.g. `public#0`). */
  connection(exchange: Exchange, name: string, status: ConnectionStatus): void;
}
