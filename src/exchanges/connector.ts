import type { MarketSink, ResyncReason } from '../core/sink.js';
import type { Exchange } from '../core/types.js';
import type { ConnectorCounters, ConnectorStatus } from '../core/venue-status.js';

export type { ConnectorCounters, ConnectorStatus, VenueStatusSource } from '../core/venue-status.js';

/**
 * A venue: connects, keeps every symbol's book sequenced, and delivers normalized events to a sink.
 * Adding a venue means adding a folder under src/exchanges/ with a class implementing this (see the
 * README's checklist).
 */
export interface VenueConnector {
  readonly exchange: Exchange;
  start(sink: MarketSink): void;
  stop(): Promise<void>;
  /** Repairs one symbol's book (the sink found it unhealthy, or an operator asked). */
  resync(symbol: string, reason: ResyncReason): void;
  status(): ConnectorStatus;
  /** Present when the venue can follow books chosen while running (books on demand). */
  readonly onDemand?: OnDemandBooks;
}

/**
 * Books a running connector can start and stop following. The server reference-counts clients and calls
 * `follow` for the first and `unfollow` after the last has gone (plus a linger period).
 */
export interface OnDemandBooks {
  /**
   * Whether the venue lists `symbol`, by its instrument list (waiting for the first load): `undefined`
   * when the list cannot be had, so nothing is asked of the venue for a symbol that may not exist.
   */
  lists(symbol: string): Promise<boolean | undefined>;
  /**
   * Starts following a listed `symbol`: its instrument is reported to the sink, its book and trade topics
   * are subscribed on a connection with room (a new one when none has, within the venue's limits), and
   * its book syncs and goes live through the sink like a configured one. Following a followed symbol
   * does nothing.
   */
  follow(symbol: string): void;
  /**
   * Stops following a symbol `follow` added (configured symbols are never dropped): its topics are
   * unsubscribed, frames still in flight for it are ignored, and a connection left with no topics is
   * closed.
   */
  unfollow(symbol: string): void;
}

export function newCounters(): ConnectorCounters {
  return {
    frames: 0,
    gaps: 0,
    duplicates: 0,
    snapshotsFetched: 0,
    subscriptionFailures: 0,
  };
}
